from __future__ import annotations

import pytest

from homa_desk.cli import main
from homa_desk.db import migrate
from tests.helpers import engine_for, libpq


def test_db_upgrade_current_and_downgrade_on_a_remote_url(cluster, capsys):
    url = cluster.owner_url(cluster.fresh_database(migrated=False))  # migrations run as the schema's owner
    try:
        assert main(["--database-url", libpq(url), "db", "current"]) == 0
        assert "schema revision: none" in capsys.readouterr().out
        assert main(["--database-url", libpq(url), "db", "upgrade"]) == 0
        out = capsys.readouterr().out
        assert f"schema revision: {migrate.head_revision()}" in out
        assert "the desks' role homa_app exists and has its grants" in out
        assert main(["--database-url", libpq(url), "db", "downgrade"]) == 0
        engine = engine_for(url)
        try:
            assert migrate.current_revision(engine) is None
        finally:
            engine.dispose()
    finally:
        cluster.drop(url)


def test_a_desks_role_cannot_migrate_and_is_told_to_use_the_owners_url(cluster, capsys):
    url = cluster.fresh_database(migrated=False)  # the desk's own role: no CREATE on the schema
    try:
        assert main(["--database-url", libpq(url), "db", "upgrade"]) == 1
        err = capsys.readouterr().err
        assert "URL of the database's owner" in err and "Traceback" not in err
    finally:
        cluster.drop(url)


def test_an_insecure_url_is_refused_with_a_message_not_a_traceback(capsys):
    assert main(["--database-url", "postgresql://u:p@db.example.com/homa", "db", "current"]) == 1
    err = capsys.readouterr().err
    assert "must use TLS" in err and "Traceback" not in err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert "homa-desk 0.1.0" in capsys.readouterr().out


def test_no_arguments_skips_the_parser_but_means_the_same():
    """`homa-desk` alone starts the desk without argparse (~7 ms of the first window); the defaults must agree."""
    from homa_desk.cli import NO_ARGUMENTS, build_parser

    assert vars(build_parser().parse_args([])) == NO_ARGUMENTS
