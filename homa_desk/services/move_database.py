"""Move to Neon: copy the embedded database into an empty remote PostgreSQL, check every table, then switch.

The copy is a dump and a restore in one transaction, on the remote server's direct host (never Neon's pooler, through
which the restore's session settings, an empty `search_path`, would reach other desks' transactions); the setting
keeps the URL as pasted. The rows are counted in the very snapshot the dump reads, so
a desk writing meanwhile can neither fail the check nor hide a loss. The desk's setting changes only after every
table's count matches; the password goes to the keyring and the settings file keeps the URL without it.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from homa_desk.backend import DatabaseTarget
from homa_desk.config import Settings
from homa_desk.connect import remember_remote_database, with_stored_password
from homa_desk.db import backup as dumps
from homa_desk.db import reach
from homa_desk.db.engine import make_engine
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.db.urls import direct_url, parse_database_url
from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.roles import Actor, Role

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class MoveOutcome:
    host: str
    database: str
    tables: int
    rows: int


def move_to_remote(target: DatabaseTarget, actor: Actor | None, raw_url: str, password: str = "", *,
                   direct: str = "", progress: Progress | None = None) -> MoveOutcome:
    """Copy, verify, switch this desk's setting. `actor` None: the command line, run by the machine's owner.

    `direct`: the server's own URL when `raw_url` is a pooler other than Neon's (Neon's direct host is derived).
    """
    if actor is not None:
        _confirm_admin(target.url, actor)
    if target.kind != "embedded":
        raise DomainError("This desk already uses a remote database; Move to Neon copies the embedded one.")
    pasted = _remote_url(raw_url, password)
    remote = direct_url(pasted, parse_database_url(direct, "database_direct_url") if direct.strip() else None)
    _require_empty(remote)
    with tempfile.TemporaryDirectory(prefix="homa-move-") as private:
        copy = Path(private) / "move.dump"
        if progress:
            progress("Copying this desk's data…")
        with dumps.exported_snapshot(target.url) as (source, snapshot):
            expected = dumps.row_counts(source)
            dumps.dump(target.url, copy, snapshot=snapshot, progress=progress)
        if progress:
            progress(f"Loading it into {remote.host or 'the new database'}…")
        dumps.restore(copy, remote, progress=progress)
    if progress:
        progress("Checking every table…")
    with dumps.connect(remote) as conn:
        found = dumps.row_counts(conn)
    differing = sorted(t for t in expected.keys() | found.keys() if expected.get(t) != found.get(t))
    if differing:
        names = ", ".join(t.removeprefix("public.") for t in differing[:5])
        raise DomainError("The copy does not match in {count} table(s) ({names}). This desk stays on the embedded "
                          "database; empty the remote database and try again.", count=len(differing), names=names)
    outcome = MoveOutcome(remote.host or "localhost", remote.database or "", len(expected), sum(expected.values()))
    _grant_desks_role(remote)
    _record(remote, actor, "database_moved_here", {"tables": outcome.tables, "rows": outcome.rows})
    _record(target.url, actor, "database_moved_away", {"host": outcome.host, "database": outcome.database})
    _switch(pasted, remote if direct.strip() else None)
    log.info("database moved to %s: %d tables, %d rows", outcome.host, outcome.tables, outcome.rows)
    return outcome


def _remote_url(raw_url: str, password: str) -> URL:
    url = parse_database_url(raw_url)
    return url.set(password=password) if password else with_stored_password(url)


def _require_empty(url: URL) -> None:
    try:
        tables = reach.user_tables(url)
    except reach.Unreachable as refused:
        raise ValidationError("database_url", "Cannot connect: {reason}", reason=refused.reason) from None
    if tables:
        raise ValidationError("database_url", "That database already has {count} table(s). Homa Desk moves only "
                              "into an empty database: create a new one and use its URL.", count=len(tables))


def _grant_desks_role(url: URL) -> None:
    """The copy belongs to the role that loaded it (the URL's, the database's owner on Neon). When the desks' own
    role exists there, it gets its grants now; `homa-desk db upgrade` with this URL creates it otherwise."""
    if not reach.grant_desks_role(url):
        log.warning("the moved database has no role for the desks yet: run `homa-desk db upgrade` with "
                    "the owner's URL to create it")


def _confirm_admin(url: URL, actor: Actor) -> None:
    """The actor is an active admin in the database this desk uses (the Actor object is not believed)."""
    engine = make_engine(url, pool_size=1)
    try:
        UnitOfWork(engine).confirm(actor, Role.ADMIN)
    finally:
        engine.dispose()


def _record(url: URL, actor: Actor | None, action: str, after: dict[str, object]) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        uow = UnitOfWork(engine)
        with uow:
            uow.audit.record(actor, action, "database", url.database, after=after)
            uow.commit()
    finally:
        engine.dispose()


def _switch(url: URL, direct: URL | None) -> None:
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    settings = Settings.load()
    settings.database_direct_url = direct.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False) if direct is not None else None
    remember_remote_database(settings, plain)
