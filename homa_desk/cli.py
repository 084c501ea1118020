"""`homa-desk`: start the desk, or manage its database from the command line."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from homa_desk import APP_TITLE, __version__
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError

if TYPE_CHECKING:
    import argparse

    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

    from homa_desk.backend import Backend

log = logging.getLogger(__name__)
BACKUP_ACTIONS = ("backup", "restore", "move-to")
# `homa-desk` alone (the desktop shortcut) starts the desk without building the parser: argparse costs ~7 ms
NO_ARGUMENTS = {"demo": False, "database_url": None, "data_dir": None, "self_check": False, "command": None}


def build_parser() -> argparse.ArgumentParser:
    import argparse  # lazy: cold start

    parser = argparse.ArgumentParser(prog="homa-desk", description=f"{APP_TITLE}: the clinic's front desk.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="fill an empty database with a demo clinic (doctors, patients, appointments)")
    parser.add_argument("--database-url", metavar="URL",
                        help="a PostgreSQL URL for this run (default: settings, HOMA_DATABASE_URL, or embedded)")
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help="embedded database directory")
    parser.add_argument("--self-check", action="store_true",
                        help="check this installation against a throwaway database (offscreen), print OK and exit")
    commands = parser.add_subparsers(dest="command")
    db = commands.add_parser("db", help="database schema migrations, backup, restore, move to Neon")
    db.add_argument("action", choices=("upgrade", "downgrade", "current", *BACKUP_ACTIONS))
    db.add_argument("revision", nargs="?", help="target revision (default: head for upgrade, base for downgrade); "
                    "the backup FILE for restore; the remote URL for move-to (password: PGPASSWORD or a prompt)")
    db.add_argument("--to", type=Path, metavar="DIR", help="backup folder (default: the one in Settings → Backup)")
    lan = commands.add_parser("lan", help="this computer hosts the clinic on its network, or joins its host")
    lan.add_argument("action", choices=("serve", "code", "desks", "remove", "find", "join", "forget"))
    lan.add_argument("values", nargs="*", help="remove: the desk's number; join: the host's address and the code")
    lan.add_argument("--address", action="append", help="serve: listen on this address only (repeatable)")
    lan.add_argument("--no-announce", action="store_true", help="serve: do not announce the host by DNS-SD")
    demo = commands.add_parser("demo", help="generate demo data into the database (bulk, for benchmarks)")
    demo.add_argument("--patients", type=int, default=300)
    demo.add_argument("--appointments", type=int)
    demo.add_argument("--seed", type=int, default=7)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv) if argv else SimpleNamespace(**NO_ARGUMENTS)
    if args.command is not None or args.self_check:  # the desk sets up its log once its first window shows
        _configure_logging()
    if args.self_check:
        from homa_desk.self_check import run_self_check  # lazy: cold start

        return run_self_check()
    settings = Settings.load()
    env = dict(os.environ)
    if args.database_url:
        env["HOMA_DATABASE_URL"] = args.database_url
    try:
        if args.command == "db":
            return _db_command(args, settings, env)
        if args.command == "demo":
            return _demo_command(args, settings, env)
        if args.command == "lan":
            from homa_desk.lan_command import lan_command  # lazy: cold start

            return lan_command(args, settings)
        return _start_desk(args, settings, env)
    except DomainError as error:
        print(f"homa-desk: {error.message}", file=sys.stderr)
        return 1


def _configure_logging() -> None:
    from homa_desk.logging_setup import configure_logging  # lazy: cold start (with logging.handlers, ~10 ms)

    configure_logging()


def _db_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    if args.action in BACKUP_ACTIONS:
        return _backup_command(args, settings, env)
    from sqlalchemy.exc import ProgrammingError  # lazy: cold start

    from homa_desk.connect import ENV_DIRECT_URL, ENV_URL, open_embedded, with_stored_password  # lazy: cold start
    from homa_desk.db import migrate  # lazy: cold start
    from homa_desk.db.engine import make_engine  # lazy: cold start
    from homa_desk.db.urls import direct_url, parse_database_url  # lazy: cold start

    raw = env.get(ENV_URL) or settings.database_url
    if raw:
        url = with_stored_password(parse_database_url(raw))
        explicit = env.get(ENV_DIRECT_URL) or settings.database_direct_url
        server = direct_url(url, with_stored_password(parse_database_url(explicit, "database_direct_url"))
                            if explicit else None)
        engine, backend = make_engine(server, pool_size=1), None  # migrations never through a pooler
    else:
        backend = open_embedded(args.data_dir)  # starting it already upgrades to head
        engine = make_engine(backend.target.schema_url, pool_size=1)  # migrations run as the owner role
    try:
        if args.action == "upgrade":
            migrate.upgrade(engine, args.revision or "head")
            if backend is None:
                _provision_desks_role(engine, url)
        elif args.action == "downgrade":
            migrate.downgrade(engine, args.revision or "base")
        print(f"schema revision: {migrate.current_revision(engine) or 'none'} (head {migrate.head_revision()})")
    except ProgrammingError as error:
        if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        print("homa-desk: this database role may not change the schema (it is a desk's role): run the command "
              "with the URL of the database's owner.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
        if backend is not None:
            backend.close()
    return 0


def _provision_desks_role(engine: Engine, url: URL) -> None:
    """Run with the owner's URL: the desks' own role is created (once) and granted. Its password is shown here once,
    as Neon's console shows a new role's: it is never written to a file or the log."""
    from homa_desk.db import roles  # lazy: cold start
    from homa_desk.db.urls import without_password  # lazy: cold start

    with engine.connect() as conn:
        if not roles.can_change_schema(conn):
            return  # this is already a desk's role: nothing to provision
    password = roles.provision_application_role(engine)
    desks = without_password(url.set(username=roles.APP_ROLE, drivername="postgresql"))
    if password is None:
        print(f"the desks' role {roles.APP_ROLE} exists and has its grants; desks connect with {desks}")
        return
    print(f"created the desks' role {roles.APP_ROLE} (no schema changes, no TRUNCATE, audit log INSERT and SELECT "
          f"only).\nEnter this URL in each desk's Settings → Setup, with the password shown once here:\n  {desks}"
          f"\n  password: {password}")


def _demo_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    from homa_desk.connect import open_backend  # lazy: cold start
    from homa_desk.db.demo_data import generate  # lazy: cold start
    from homa_desk.db.engine import make_engine  # lazy: cold start

    backend = open_backend(settings, env=env, data_dir=args.data_dir)
    loader = make_engine(backend.target.schema_url, pool_size=1)  # the owner may load in bulk (it alters tables)
    try:
        summary = generate(loader, seed=args.seed, patients=args.patients, appointments=args.appointments)
        print(summary)
    finally:
        loader.dispose()
        backend.close()
    return 0


def _start_desk(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    """The sign-in shows first; the database opens behind it (on a new install the wizard asks where it lives)."""
    from PySide6.QtWidgets import QApplication  # lazy: cold start

    from homa_desk.connect import new_install  # lazy: cold start
    from homa_desk.ui.common.i18n import install_language  # lazy: cold start
    from homa_desk.ui.shell import app as desk  # lazy: cold start

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    qt_app.setApplicationName(APP_TITLE)
    install_language(qt_app, settings.language)
    if new_install(settings, env, args.data_dir):
        return desk.run_desk(None, settings=settings, start_up=_configure_logging,
                             idle_lock_minutes=settings.idle_lock_minutes, data_dir=args.data_dir, demo=args.demo)

    def open_database() -> Backend:  # off the UI thread, while the sign-in shows
        from homa_desk.connect import open_backend  # lazy: cold start

        backend = open_backend(settings, env=env, data_dir=args.data_dir, host_clinic=True)
        if args.demo:
            from homa_desk.services.demo import seed_demo_if_empty  # lazy: cold start

            try:
                seed_demo_if_empty(backend.uow())
            except BaseException:
                backend.close()
                raise
        return backend

    return desk.run_desk(None, open_database=open_database, settings=settings, start_up=_configure_logging,
                         idle_lock_minutes=settings.idle_lock_minutes, data_dir=args.data_dir, demo=args.demo)


def _backup_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    """`db backup [--to DIR]`, `db restore FILE`, `db move-to URL`: run by the machine's owner, so no sign-in."""
    from homa_desk.connect import open_backend  # lazy: cold start
    from homa_desk.services import backup  # lazy: cold start
    from homa_desk.services.move_database import move_to_remote  # lazy: cold start

    if args.action != "backup" and not args.revision:
        print(f"homa-desk: db {args.action} needs {'the backup FILE' if args.action == 'restore' else 'the URL'}",
              file=sys.stderr)
        return 2
    backend = open_backend(settings, env=env, data_dir=args.data_dir)
    try:
        if args.action == "backup":
            plan = backup.plan_from(settings)
            made = backup.make_backup(backend.uow(), backend.target, args.to or plan.folder, plan.keep)
            print(f"backup written: {made.path} ({made.size} bytes)")
        elif args.action == "restore":
            restored = backup.restore_backup(backend.uow(), backend.target, None, Path(args.revision), settings)
            print(f"restored {restored.restored} (schema {restored.revision}); the data it replaced is in "
                  f"{restored.safety_copy.path}")
        else:
            moved = move_to_remote(backend.target, None, args.revision, _remote_password(args.revision, env),
                                   direct=env.get("HOMA_DIRECT_DATABASE_URL", ""))
            print(f"moved {moved.tables} tables, {moved.rows} rows to {moved.host}/{moved.database} (counts "
                  "checked); this computer's desk now uses it")
    finally:
        backend.close()
    return 0


def _remote_password(raw_url: str, env: dict[str, str]) -> str:
    """PGPASSWORD, else a prompt on a terminal; blank when the URL carries it (or the keyring has it)."""
    from sqlalchemy.engine import make_url  # lazy: cold start

    if env.get("PGPASSWORD"):
        return env["PGPASSWORD"]
    try:
        has_password = bool(make_url(raw_url).password)
    except Exception:  # a bad URL is refused with its message by the service
        return ""
    if has_password or not sys.stdin.isatty():
        return ""
    import getpass  # lazy: cold start

    return getpass.getpass("Password of the remote database (blank: from the keyring): ")
