"""A Debian 13 (trixie) chroot with Wine 10 and mingw-w64, kept in a cache folder and reused by later runs.

Debian 12's Wine 8 cannot run the embedded PostgreSQL for Windows (its ntdll lacks `NtFlushBuffersFileEx`, so
initdb fails) nor psutil's process queries; trixie's Wine 10 runs both unpatched but needs trixie's glibc, hence the
chroot. Everything Windows lives under `/opt/homa` inside it, which Wine sees as `Z:\\opt\\homa`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath

SUITE = "trixie"
MIRROR = "http://deb.debian.org/debian"
# wine32:i386 runs 32-bit programs: Inno Setup's ISCC.exe and the setup.exe it makes are 32-bit.
PACKAGES = ("wine", "wine64", "wine32:i386", "gcc-mingw-w64-x86-64-win32", "fonts-dejavu-core", "fonts-lohit-deva")
BASE_MARK = ".homa-desk-base"
READY_MARK = ".homa-desk-ready"
INSIDE = PurePosixPath("/opt/homa")  # the chroot's work folder: Z:\opt\homa for Wine
# Keeps Wine from asking for its Mono and Gecko add-ons (no network inside, nothing here needs them).
WINE_DLL_OVERRIDES = "mscoree,mshtml="


class NotAvailable(Exception):
    """This machine cannot build under Wine (not Linux, not root, no debootstrap); the message says why."""


def why_not_available() -> str | None:
    """None when this machine can make and enter the chroot, else the reason."""
    if not sys.platform.startswith("linux"):
        return "the Wine build runs on Linux only"
    if os.geteuid() != 0:
        return "making and entering the trixie chroot needs root (debootstrap, chroot, mount)"
    if shutil.which("debootstrap") is None and shutil.which("apt-get") is None:
        return "neither debootstrap nor apt-get (to install it) is on this machine"
    return None


class WineChroot:
    """The cached chroot: made once (`ensure`), entered with /proc and /dev mounted (`mounted`), one user at a time."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.root = cache / SUITE
        self.work = self.root / INSIDE.relative_to("/")
        self._prefixes: set[Path] = set()

    def is_ready(self) -> bool:
        mark = self.root / READY_MARK
        return mark.is_file() and mark.read_text().split() == list(PACKAGES)

    def ensure(self) -> bool:
        """Make the chroot, or add what a newer PACKAGES asks for; True when anything had to be done."""
        if self.is_ready():
            return False
        if reason := why_not_available():
            raise NotAvailable(reason)
        if not (self.root / BASE_MARK).is_file():
            self._bootstrap()
        with _mounts(self.root):
            _run(["chroot", str(self.root), "/bin/sh", "-c",
                  "dpkg --add-architecture i386 && apt-get update -qq"
                  " && apt-get install -y -q --no-install-recommends " + " ".join(PACKAGES)],
                 env={"DEBIAN_FRONTEND": "noninteractive"})
        (self.root / READY_MARK).write_text("\n".join(PACKAGES) + "\n")
        return True

    def _bootstrap(self) -> None:
        if shutil.which("debootstrap") is None:
            _run(["apt-get", "install", "-y", "-q", "debootstrap"], env={"DEBIAN_FRONTEND": "noninteractive"})
        partial = self.cache / f"{SUITE}.partial"
        if partial.exists():
            _unmount_all(partial)
            shutil.rmtree(partial)
        self.cache.mkdir(parents=True, exist_ok=True)
        print(f"making the {SUITE} chroot in {self.root} (about 2.3 GB; once)", flush=True)
        _run(["debootstrap", "--variant=minbase", SUITE, str(partial), MIRROR])
        (partial / BASE_MARK).write_text(f"debootstrap --variant=minbase {SUITE}\n")
        partial.rename(self.root)

    @contextlib.contextmanager
    def mounted(self) -> Iterator[WineChroot]:
        """Hold the cache's lock and /proc, /dev mounted in the chroot; stop every Wine server on the way out."""
        self.cache.mkdir(parents=True, exist_ok=True)
        with open(self.cache / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with _mounts(self.root):
                try:
                    yield self
                finally:
                    for prefix in sorted(self._prefixes):
                        self.wine(prefix, ["wineserver", "-k"], check=False, quiet=True)

    def inside(self, path: Path) -> PurePosixPath:
        """A host path under the chroot as the chroot sees it."""
        return PurePosixPath("/") / path.relative_to(self.root)

    def windows(self, path: Path) -> str:
        """A host path under the chroot as Wine's Windows programs see it (drive Z:)."""
        return "Z:" + str(self.inside(path)).replace("/", "\\")

    def run(self, command: Sequence[str], env: Mapping[str, str] | None = None, check: bool = True,
            quiet: bool = False) -> subprocess.CompletedProcess[str]:
        """Run a Linux command in the chroot; its output goes through a pipe (Wine writes to files badly)."""
        full_env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8", "HOME": "/root", **(env or {})}
        chroot = shutil.which("chroot") or "/usr/sbin/chroot"
        argv = [chroot, str(self.root), "/usr/bin/env", "-i", *[f"{k}={v}" for k, v in full_env.items()], *command]
        return _run(argv, check=check, quiet=quiet, clear_env=True)

    def wine(self, prefix: Path, command: Sequence[str], user: str = "homa", env: Mapping[str, str] | None = None,
             check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess[str]:
        """Run a Windows program (or `wineboot`, `wineserver`) in the Wine prefix at `prefix` as Windows user `user`.

        Wine names the Windows user after $USER, so `C:\\users\\<user>` may hold a space or Devanagari.
        """
        self._prefixes.add(prefix)
        wine_env = {"WINEPREFIX": str(self.inside(prefix)), "USER": user, "WINEDEBUG": "-all",
                    "WINEDLLOVERRIDES": WINE_DLL_OVERRIDES, **(env or {})}
        program = command if command[0] in {"wineboot", "wineserver"} else ["wine", *command]
        return self.run(program, env=wine_env, check=check, quiet=quiet)


def _run(argv: Sequence[str], env: Mapping[str, str] | None = None, check: bool = True, quiet: bool = False,
         clear_env: bool = False) -> subprocess.CompletedProcess[str]:
    """Run, echoing the output line by line as it comes (unless quiet); raise on failure when `check`."""
    full_env = dict(env or {}) if clear_env else {**os.environ, **(env or {})}
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                          env=full_env, text=True, encoding="utf-8", errors="replace") as process:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if not quiet:
                print("    " + line.rstrip(), flush=True)
        code = process.wait()
    result = subprocess.CompletedProcess(argv, code, "".join(lines), "")
    if check and code != 0:
        tail = "".join(lines[-40:])
        raise subprocess.CalledProcessError(code, argv, output=tail)
    return result


@contextlib.contextmanager
def _mounts(root: Path) -> Iterator[None]:
    (root / "proc").mkdir(exist_ok=True)
    (root / "dev").mkdir(exist_ok=True)
    _unmount_all(root)
    subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], check=True)
    subprocess.run(["mount", "--rbind", "/dev", str(root / "dev")], check=True)
    subprocess.run(["mount", "--make-rslave", str(root / "dev")], check=True)
    try:
        yield
    finally:
        _unmount_all(root)


def _unmount_all(root: Path) -> None:
    """Lazily unmount whatever is mounted at or below `root` (deepest first)."""
    with open("/proc/self/mounts") as mounts:
        targets = [line.split()[1].encode().decode("unicode_escape") for line in mounts]
    below = sorted((t for t in targets if t == str(root) or t.startswith(f"{root}/")), key=len, reverse=True)
    for target in below:
        subprocess.run(["umount", "-l", target], check=False)
