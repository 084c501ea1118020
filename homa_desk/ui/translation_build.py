"""Extract the interface's texts into resources/translations/*.ts and compile the .qm files the desk loads.

    python -m homa_desk.ui.translation_build          update the .ts from the sources, then compile the .qm
    python -m homa_desk.ui.translation_build --check  exit 1 if a text has no translation or a .qm is stale

Translators edit the .ts with Qt Linguist (`pyside6-linguist`); texts that vanished from the sources are dropped.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

UI_DIR = Path(__file__).resolve().parent
ROOT = UI_DIR.parent.parent
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("hi",)


def _tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease beside the running Python (the venv's bin or Scripts folder)."""
    suffix = ".exe" if sys.platform == "win32" else ""
    return str(Path(sys.executable).parent / f"pyside6-{name}{suffix}")


def sources() -> list[Path]:
    return sorted(path for path in UI_DIR.rglob("*.py") if path.name != Path(__file__).name)


def ts_path(language: str) -> Path:
    return TRANSLATIONS / f"homa_desk_{language}.ts"


def qm_path(language: str) -> Path:
    return TRANSLATIONS / f"homa_desk_{language}.qm"


def qt_extra(language: str) -> tuple[Path, Path]:
    """Qt's own texts (standard buttons, the wizard's Back/Next, file dialogs) that Qt ships no translation for.

    Written by hand (lupdate finds them in no source of ours) and compiled beside the desk's translation."""
    return TRANSLATIONS / f"qt_extra_{language}.ts", TRANSLATIONS / f"qt_extra_{language}.qm"


def update_ts(ts: Path, language: str) -> None:
    """Merge the texts found in the sources into `ts`, keeping translations and dropping vanished texts."""
    relative = [str(path.relative_to(ROOT)) for path in sources()]
    subprocess.run([_tool("lupdate"), "-no-obsolete", "-locations", "none", "-target-language", language,
                    *relative, "-ts", str(ts)],
                   cwd=ROOT, check=True, capture_output=True, text=True)


def compile_qm(ts: Path, qm: Path) -> None:
    subprocess.run([_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True, capture_output=True,
                   text=True)


def untranslated(ts: Path) -> list[str]:
    """Source texts of `ts` without a finished translation."""
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete") \
                or not (translation.text or "").strip():
            missing.append(message.findtext("source") or "")
    return missing


def check(language: str) -> list[str]:
    """Problems with `language`: texts in the sources that the .ts lacks or leaves untranslated, a stale .qm."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh_ts = Path(tmp) / ts_path(language).name
        fresh_ts.write_bytes(ts_path(language).read_bytes())
        update_ts(fresh_ts, language)
        problems = [f"untranslated ({language}): {text!r}" for text in untranslated(fresh_ts)]
        for ts, qm in ((ts_path(language), qm_path(language)), qt_extra(language)):
            fresh_qm = Path(tmp) / f"fresh-{qm.name}"
            compile_qm(ts, fresh_qm)
            if not qm.is_file() or qm.read_bytes() != fresh_qm.read_bytes():
                problems.append(f"{qm.name} is older than {ts.name}: run python -m homa_desk.ui.translation_build")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m homa_desk.ui.translation_build", description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        problems = [problem for language in LANGUAGES for problem in check(language)]
        print("\n".join(problems) or "translations are complete and compiled")
        return 1 if problems else 0
    for language in LANGUAGES:
        update_ts(ts_path(language), language)
        compile_qm(ts_path(language), qm_path(language))
        compile_qm(*qt_extra(language))
        missing = untranslated(ts_path(language))
        print(f"{ts_path(language).name}: {len(missing)} texts still to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
