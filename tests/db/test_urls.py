from __future__ import annotations

import pytest

from homa_desk.db.urls import keyring_name, parse_database_url, without_password
from homa_desk.domain.errors import ValidationError


@pytest.mark.parametrize("raw", [
    "postgresql://u:p@ep-cool-1.aws.neon.tech/homa",
    "postgresql://u:p@ep-cool-1.aws.neon.tech/homa?sslmode=prefer",
    "postgresql://u:p@ep-cool-1.aws.neon.tech/homa?sslmode=disable",
    "postgresql://u:p@10.0.0.5:5432/homa?sslmode=allow",
])
def test_remote_hosts_without_tls_are_refused(raw):
    with pytest.raises(ValidationError, match="must use TLS"):
        parse_database_url(raw)


@pytest.mark.parametrize("raw", [
    "postgresql://u:p@ep-cool-1.aws.neon.tech/homa?sslmode=require",
    "postgres://u:p@ep-cool-1.aws.neon.tech/homa?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem",
    "postgresql://u@localhost/homa",
    "postgresql://u@127.0.0.1:5433/homa",
    "postgresql://postgres@/homa?host=/tmp/pg",
])
def test_tls_urls_and_local_urls_are_accepted(raw):
    assert parse_database_url(raw).drivername == "postgresql+psycopg"


@pytest.mark.parametrize("raw, message", [
    ("", "Enter the database URL"),
    ("mysql://u:p@h/db", "PostgreSQL only"),
    ("not a url", "not a database URL"),
    ("postgresql://u:p@localhost", "database name"),
])
def test_bad_urls_get_a_clear_message(raw, message):
    with pytest.raises(ValidationError, match=message):
        parse_database_url(raw)


def test_password_is_stripped_for_files_and_named_for_the_keyring():
    url = parse_database_url("postgresql://clinic:pw@ep-1.neon.tech/homa?sslmode=require")
    assert "pw" not in without_password(url).replace("ep-1", "")
    assert keyring_name(url) == "database:clinic@ep-1.neon.tech:5432/homa"
