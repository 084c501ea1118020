"""`homa-desk lan …`: host the clinic without the desk's window (`serve`), or administer it from the host's own
command line (`code`, `desks`, `remove`): whoever can run these owns this computer's database already. On a
joining computer: `find`, `join ADDRESS CODE`, and `forget` (leave the host, to join again)."""

from __future__ import annotations

import argparse
import signal
import threading

from homa_desk.config import Settings
from homa_desk.domain.errors import ValidationError


def lan_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.action in ("find", "join", "forget"):
        return _joining_side(args, settings)
    from homa_desk.connect import open_embedded  # lazy: cold start
    from homa_desk.db.embedded import EmbeddedServer  # lazy: cold start
    from homa_desk.db.lan.certificate import short_fingerprint  # lazy: cold start
    from homa_desk.db.lan.host import LanHost  # lazy: cold start

    if args.action == "serve":  # as the desk starts: the schema brought to the newest revision first
        server = open_embedded(args.data_dir).embedded
    else:  # administering a host that runs already
        server = EmbeddedServer(args.data_dir)
        server.start()
    assert server is not None
    try:
        if args.action == "serve":
            host = LanHost(server, addresses=args.address, announce=not args.no_announce).start()
            print(f"hosting on {', '.join(host.addresses)}; certificate {host.fingerprint} "
                  f"({short_fingerprint(host.fingerprint)})", flush=True)
            _wait_for_a_signal()
            host.stop()
            return 0
        host = LanHost(server, addresses=[])  # no ports: administering only
        try:
            if args.action == "code":
                print(host.new_code())
            elif args.action == "desks":
                for desk in host.desks():
                    seen = desk.last_seen_at.isoformat(timespec="seconds") if desk.last_seen_at else "never"
                    print(f"{desk.id}\t{desk.desk_name}\t{desk.address or ''}\t{seen}")
            elif args.action == "remove":
                if not args.values or not args.values[0].isdigit() or not host.remove(int(args.values[0])):
                    raise ValidationError("desk", "No such desk: give its number from `homa-desk lan desks`.")
                print("removed")
        finally:
            host.stop()
        return 0
    finally:
        server.stop()


def _joining_side(args: argparse.Namespace, settings: Settings) -> int:
    from homa_desk.services import clinic_network  # lazy: cold start

    if args.action == "find":
        for found in clinic_network.find_hosts():
            print(f"{found.address}\t{found.name}\t{found.fingerprint[:16]}")
        return 0
    if args.action == "join":
        if len(args.values) != 2:
            raise ValidationError("join", "Give the host's address and the join code: homa-desk lan join ADDRESS CODE")
        clinic_network.join_clinic(args.values[0], args.values[1])
        print("joined")
        return 0
    if settings.database_url and settings.lan_fingerprint:  # the host's role password goes from the keyring too
        from homa_desk.db.urls import keyring_name, parse_database_url  # lazy: cold start
        from homa_desk.secret_store import delete_secret  # lazy: cold start

        delete_secret(keyring_name(parse_database_url(settings.database_url)))
    settings.database_url = None
    settings.lan_fingerprint = ""
    settings.save()
    print("this desk no longer uses the clinic's host")
    return 0


def _wait_for_a_signal() -> None:
    stop = threading.Event()
    for which in (signal.SIGINT, signal.SIGTERM):
        signal.signal(which, lambda *_: stop.set())
    stop.wait()
