"""The installer's smoke test under Wine, for one Windows user: install, self-check, first start, uninstall.

What it proves, each step failing the run if it is not so:
- the setup installs silently for the current user only (`/CURRENTUSER`: no administrator rights) into
  `%LOCALAPPDATA%\\Programs\\HomaDesk`, as homa_desk.iss promises (`PrivilegesRequired=lowest`);
- the installed `HomaDesk.exe --self-check` exits 0 (a throwaway embedded PostgreSQL under %TEMP%, migrations,
  an admin, the main window's first page, the server stopped);
- `HomaDesk.exe db upgrade` makes the clinic's real database in `%LOCALAPPDATA%\\homa-desk\\pgdata`, keeps the
  embedded roles' passwords in Windows' Credential Manager (keyring's Windows backend), and stops the server;
- the uninstaller removes the program and leaves the database where it was (the README promises it).
The user names carry a space and Devanagari, so every path on the way does too.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from wine_chroot import WineChroot

SMOKE_USERS = ("Anita Rao", "अनिता")


class SmokeFailed(Exception):
    """A promise of the installer or the frozen desk did not hold; the message says which."""


def smoke_test(chroot: WineChroot, prefix: Path, user: str, setup: Path, qt_env: dict[str, str]) -> str:
    """Run the four steps as `user` in `prefix`; return the self-check's time as a figure."""
    home = prefix / "drive_c" / "users" / user
    app = home / "AppData" / "Local" / "Programs" / "HomaDesk"
    exe = f"C:\\users\\{user}\\AppData\\Local\\Programs\\HomaDesk\\HomaDesk.exe"
    data = home / "AppData" / "Local" / "homa-desk" / "pgdata"
    print(f"  smoke test as Windows user {user!r}", flush=True)

    chroot.wine(prefix, [chroot.windows(setup), "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/CURRENTUSER"],
                user=user)
    chroot.wine(prefix, ["wineserver", "-w"], user=user, quiet=True)
    if not (app / "HomaDesk.exe").is_file():
        raise SmokeFailed(f"the setup did not install HomaDesk.exe into {app}")
    if not (app / "unins000.exe").is_file():
        raise SmokeFailed("the setup left no uninstaller")

    started = time.perf_counter()
    check = chroot.wine(prefix, [exe, "--self-check"], user=user, env=qt_env, check=False)
    seconds = time.perf_counter() - started
    if check.returncode != 0:
        raise SmokeFailed(f"HomaDesk.exe --self-check exited {check.returncode}:\n{check.stdout[-3000:]}")
    reported = re.search(r"self-check OK: .*total ([\d.]+) s", check.stdout)
    figure = f"{seconds:.0f} s" + (f" (the desk's own count: {float(reported.group(1)):.0f} s)" if reported else "")

    first = chroot.wine(prefix, [exe, "db", "upgrade"], user=user, env=qt_env, check=False)
    chroot.wine(prefix, ["wineserver", "-w"], user=user, quiet=True)
    if first.returncode != 0 or not (data / "PG_VERSION").is_file():
        raise SmokeFailed(f"`HomaDesk.exe db upgrade` made no database in {data} (exit {first.returncode}):\n"
                          f"{first.stdout[-3000:]}")
    if (data / "postmaster.pid").exists():
        raise SmokeFailed("the embedded PostgreSQL was left running after `db upgrade`")
    credentials = (prefix / "user.reg").read_text(encoding="utf-8", errors="replace")
    if "homa_owner" not in credentials:
        raise SmokeFailed("the embedded roles' passwords are not in Windows' Credential Manager")

    chroot.wine(prefix, [f"C:\\users\\{user}\\AppData\\Local\\Programs\\HomaDesk\\unins000.exe", "/VERYSILENT",
                         "/SUPPRESSMSGBOXES", "/NORESTART"], user=user)
    chroot.wine(prefix, ["wineserver", "-w"], user=user, quiet=True)
    if (app / "HomaDesk.exe").exists():
        raise SmokeFailed("the uninstaller left HomaDesk.exe behind")
    if not (data / "PG_VERSION").is_file():
        raise SmokeFailed(f"the uninstaller removed the clinic's database in {data}")
    print(f"  {user!r}: installed, self-check OK, database made, uninstalled, database kept", flush=True)
    return figure
