"""Extract the interface's texts into resources/translations/*.ts and compile the .qm files the desk loads.

    python -m homa_desk.ui.translation_build          update the .ts from the sources, then compile the .qm
    python -m homa_desk.ui.translation_build --check  exit 1 if a text has no translation or a .qm is stale

Translators edit the .ts with Qt Linguist (`pyside6-linguist`); texts that vanished from the sources are dropped.
"""

from __future__ import annotations

import argparse
import ast
import json
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


SERVICE_CONTEXT = "ServiceMessages"
CATALOG = UI_DIR / "common" / "service_messages.py"
_NOT_SHOWN = ("cli.py", "__main__.py", "dev.py")


def sources() -> list[Path]:
    return sorted(path for path in UI_DIR.rglob("*.py") if path.name != Path(__file__).name)


def service_sources() -> list[Path]:
    """Where the messages the desk shows come from without Qt: the domain, services, database and gateways."""
    return sorted(path for path in UI_DIR.parent.rglob("*.py") if UI_DIR not in path.parents
                  and path.name not in _NOT_SHOWN)


def _error_classes(trees: list[ast.Module]) -> set[str]:
    bases = {node.name: {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
             for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    found = {"DomainError"}
    while grown := {name for name, of in bases.items() if of & found} - found:
        found |= grown
    return found


def _texts_assigned(tree: ast.Module) -> dict[str, set[str]]:
    """The names bound to a text, or to a dict of texts (a message per reason), anywhere in `tree`."""
    texts: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            continue
        found = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
        strings = {v.value for v in found if isinstance(v, ast.Constant) and isinstance(v.value, str)}
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if isinstance(target, ast.Name) and strings:
                texts.setdefault(target.id, set()).update(strings)
    return texts


# Errors whose first arguments are no message: how many to skip (None: the message is built in the class itself).
_NOT_MESSAGES = {"ValidationError": 1, "GatewayRateLimited": 1, "FormErrors": None, "AllergyConflict": None,
                 "AccountRevoked": None, "NotAHomaDump": None, "ReferenceTaken": None}


def _message_nodes(call: ast.Call, name: str) -> list[ast.expr]:
    if name == "Message":
        return call.args[:1]
    skip = _NOT_MESSAGES.get(name, 0)
    if skip is None:
        return []
    return [*call.args[skip:], *(k.value for k in call.keywords if k.arg == "message")]


def _error_name(call: ast.Call, errors: set[str], inside: str | None) -> str | None:
    """The error class `call` builds: by name, or `super().__init__(…)` inside an error class's own body."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "__init__" and isinstance(func.value, ast.Call):
        return "DomainError" if inside in errors - {"DomainError", "FormErrors"} else None
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name if name in errors or name == "Message" else None


def _literal_texts(node: ast.expr, assigned: dict[str, set[str]]) -> list[str] | None:
    """The texts `node` can be (a literal, a constant's name, either branch of `a if … else b`); None when it is
    computed. Lists are FormErrors' errors, found as calls of their own."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, (ast.List, ast.ListComp)):
        return []
    if isinstance(node, ast.Subscript):
        return _literal_texts(node.value, assigned)
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    if name is not None and name in assigned:
        return sorted(assigned[name])
    if isinstance(node, ast.IfExp):
        body, orelse = _literal_texts(node.body, assigned), _literal_texts(node.orelse, assigned)
        return None if body is None or orelse is None else body + orelse
    return None


def service_messages() -> tuple[list[str], list[str]]:
    """The messages raised with the desk's errors outside the UI, and the texts handed to it as a Message (their
    English keys); and the places whose message is no literal (an f-string, a computed text), which the desk cannot
    translate."""
    parsed = [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in service_sources()]
    errors = _error_classes([tree for _, tree in parsed])
    keys: dict[str, None] = {}
    unresolved: list[str] = []
    assigned: dict[str, set[str]] = {}
    for _, tree in parsed:
        for name, texts in _texts_assigned(tree).items():
            assigned.setdefault(name, set()).update(texts)
    for path, tree in parsed:
        owner = {id(inner): node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                 for inner in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in errors:
                for default in (d for f in node.body if isinstance(f, ast.FunctionDef) for d in f.args.defaults):
                    if isinstance(default, ast.Constant) and isinstance(default.value, str):
                        keys[default.value] = None
            if not isinstance(node, ast.Call) or (name := _error_name(node, errors, owner.get(id(node)))) is None:
                continue
            for argument in _message_nodes(node, name):
                texts = _literal_texts(argument, assigned)
                if texts is None:
                    unresolved.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(argument)[:60]}")
                keys.update(dict.fromkeys(texts or ()))
    return list(keys), unresolved


def catalog_text() -> str:
    """The module lupdate reads the services' messages from (they have no Qt, so no tr() of their own)."""
    entries = "".join(f"    QT_TRANSLATE_NOOP({json.dumps(SERVICE_CONTEXT)}, {json.dumps(key, ensure_ascii=False)}),\n"
                      for key in service_messages()[0])
    return ('"""The messages the services raise, for lupdate; written by `python -m homa_desk.ui.translation_build`."""'
            "\n# ruff: noqa: E501\n\nfrom PySide6.QtCore import QT_TRANSLATE_NOOP\n\n"
            f"MESSAGES = (\n{entries})\n")


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
    problems = [] if CATALOG.is_file() and CATALOG.read_text(encoding="utf-8") == catalog_text() else [
        f"{CATALOG.name} misses messages the services raise: run python -m homa_desk.ui.translation_build"]
    with tempfile.TemporaryDirectory() as tmp:
        fresh_ts = Path(tmp) / ts_path(language).name
        fresh_ts.write_bytes(ts_path(language).read_bytes())
        update_ts(fresh_ts, language)
        problems += [f"untranslated ({language}): {text!r}" for text in untranslated(fresh_ts)]
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
    CATALOG.write_text(catalog_text(), encoding="utf-8")
    for language in LANGUAGES:
        update_ts(ts_path(language), language)
        compile_qm(ts_path(language), qm_path(language))
        compile_qm(*qt_extra(language))
        missing = untranslated(ts_path(language))
        print(f"{ts_path(language).name}: {len(missing)} texts still to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
