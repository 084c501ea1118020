"""homa_desk's import graph, read from the source (module-level imports, as Python runs them): no circles, and no
arrow pointing up a layer. The layers, bottom up: domain (rules, no I/O), db (the only SQL), gateways (the outside
world), services (use cases), ui (Qt). Function-level imports are left out: they run later, on purpose."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import homa_desk

ROOT = Path(homa_desk.__file__).parent
PACKAGE = "homa_desk"

# What each layer must never import. The domain may import only the domain (and the standard library or
# third-party packages that do no I/O of ours); the others may import anything below them and top-level modules.
FORBIDDEN = {
    "domain": {"db", "gateways", "services", "ui", "<top>"},
    "db": {"services", "ui", "gateways"},
    "gateways": {"services", "ui", "db"},
    "services": {"ui"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in ROOT.rglob("*.py") if "migrations" not in path.parts}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (ROOT / parts[1]).is_dir()):
        return parts[1]
    return "<top>"  # homa_desk itself and its top-level modules (config, backend, cli, …)


def _resolve(name: str) -> str | None:
    """The homa_desk module `name` is, or the nearest package above it that is one."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_only(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _top_level_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements that run on import: the module's own, and those inside module-level if/try/with blocks
    (not `if TYPE_CHECKING:`, which never runs)."""
    found: list[ast.stmt] = []
    for node in body:
        if _type_checking_only(node):
            continue
        found.append(node)
        if isinstance(node, ast.If | ast.With):
            found += _top_level_statements(node.body) + _top_level_statements(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            found += _top_level_statements(node.body)
            for handler in node.handlers:
                found += _top_level_statements(handler.body)
            found += _top_level_statements(node.orelse) + _top_level_statements(node.finalbody)
    return found


@cache
def imports_of(module: str, *, lazy: bool = False) -> frozenset[str]:
    """The homa_desk modules `module` imports when it is imported; `lazy` adds those its functions import."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tree.body = [node for node in tree.body if not _type_checking_only(node)]
    found: set[str] = set()
    for node in (ast.walk(tree) if lazy else _top_level_statements(tree.body)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                target = _resolve(name)
                if target is not None and target != module:
                    found.add(target)
    return frozenset(found)


def graph(*, lazy: bool = False) -> dict[str, frozenset[str]]:
    return {module: imports_of(module, lazy=lazy) for module in modules()}


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def upward_arrows(edges: dict[str, frozenset[str]]) -> list[str]:
    return sorted(f"{source} -> {target}" for source, targets in edges.items() for target in targets
                  if layer(target) in FORBIDDEN.get(layer(source), set()) and target != PACKAGE)


def test_the_graph_is_read():
    edges = graph()
    assert "homa_desk.services.billing" in edges and "homa_desk.ui.billing.upi_panel" in edges
    assert "homa_desk.services.notifications" in edges["homa_desk.services.billing"]
    assert "homa_desk.domain.errors" in edges["homa_desk.services.billing"]
    assert "homa_desk.gateways.factory" not in edges["homa_desk.connect"]  # imported inside a function
    assert "homa_desk.gateways.factory" in graph(lazy=True)["homa_desk.connect"]


def test_no_import_circles():
    assert cycles(graph()) == []


def test_no_circle_hides_behind_a_function_level_import():
    """A lazy import that closes a circle only moves the failure from start-up to the first call."""
    assert cycles(graph(lazy=True)) == []


def test_no_arrow_points_up_a_layer():
    assert upward_arrows(graph()) == []
    assert upward_arrows(graph(lazy=True)) == []  # nor later, from inside a function


def test_the_checks_catch_what_they_look_for():
    looped = {"homa_desk.a": frozenset({"homa_desk.b"}), "homa_desk.b": frozenset({"homa_desk.a"}),
              "homa_desk.c": frozenset({"homa_desk.a"})}
    assert cycles(looped) == [["homa_desk.a", "homa_desk.b"]]
    upward = {"homa_desk.domain.billing": frozenset({"homa_desk.db.models"}),
              "homa_desk.services.billing": frozenset({"homa_desk.ui.common.changes", "homa_desk.db.models"}),
              "homa_desk.gateways.simulator": frozenset({"homa_desk.services.billing"})}
    assert upward_arrows(upward) == ["homa_desk.domain.billing -> homa_desk.db.models",
                                     "homa_desk.gateways.simulator -> homa_desk.services.billing",
                                     "homa_desk.services.billing -> homa_desk.ui.common.changes"]


def test_every_function_level_import_says_why():
    """An import inside a function is there for start-up time (or for a part only some desks use) and says so."""
    unexplained = []
    for module, path in modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                unexplained += [f"{module}:{node.lineno}" for node in ast.walk(function)
                                if isinstance(node, ast.Import | ast.ImportFrom)
                                and "# lazy: " not in lines[(node.end_lineno or node.lineno) - 1]]
    assert unexplained == []
