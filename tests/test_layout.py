"""The layout of src/cchc is a stack of layers, read from the source with `ast` (module-level and function-level
imports alike, and importlib calls with a constant name):

- the floor: root modules that import nothing of cchc above them (config, clock, db, errors, vn, values …);
- the domains (one package each: units, auth, dossiers, stats, …) and the web framework helpers (`cchc.web`),
  which import no domain;
- the application (`cchc.app`), which assembles every domain's routes, imported by the command line only;
- the command line (`cchc.cli`), which assembles every domain's commands.

A package is the first name after `cchc` (cchc.dossiers.service belongs to `dossiers`); each root module is its
own node. No node imports another in a circle, however long.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "cchc"

# Root modules below every package: they import only one another.
FLOOR = {"backup", "clock", "config", "console", "db", "definitions", "docxkit", "errors", "migrate", "pdf", "periods", "privacy",
         "rates", "values", "vn"}
# Root modules above the domains: every table for Alembic and the tests; the deployment checks.
ABOVE = {"doctor", "models"}
APP = "app"
WEB = "web"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imported(name: str, path: Path, known: set[str]):
    """(line, module) for every import in the file, resolved to a module of cchc where it names one."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                candidate = f"{prefix}.{alias.name}"
                yield node.lineno, candidate if candidate in known else prefix
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__"):
                yield node.lineno, node.args[0].value


def _node(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def import_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    """Node → the nodes it imports, and for each edge where it happens (path:line → module)."""
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, path in sorted(modules.items()):
        source = _node(name)
        graph[source]
        for line, target in _imported(name, path, known):
            if target != "cchc" and not target.startswith("cchc."):
                continue
            node = _node(target)
            if node != source:
                graph[source].add(node)
                where[(source, node)].append(f"{path.relative_to(SRC.parent)}:{line} → {target}")
    return graph, where


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def _shortest_path(graph, start: str, goal: str, allowed: set[str]) -> list[str]:
    paths = {start: [start]}
    queue = [start]
    for v in queue:
        for w in sorted(graph[v] & allowed):
            if w not in paths:
                paths[w] = paths[v] + [w]
                if w == goal:
                    return paths[w]
                queue.append(w)
    return []


def _explain(component: list[str], graph, where) -> str:
    """Each edge of the component closed into its shortest circle, one line per circle, and where the edges are."""
    members = set(component)
    circles: dict[tuple[str, ...], None] = {}
    for a in component:
        for b in sorted(graph[a] & members):
            back = _shortest_path(graph, b, a, members)
            circle = [a] + back[:-1]
            turn = circle.index(min(circle))
            circles[tuple(circle[turn:] + circle[:turn])] = None
    lines = [f"vòng import giữa {', '.join(component)}:"]
    lines += ["  " + " → ".join(c + (c[0],)) for c in sorted(circles, key=lambda c: (len(c), c))]
    lines.append("  trong đó:")
    for a in component:
        for b in sorted(graph[a] & members):
            lines.append(f"    {a} → {b}: " + "; ".join(where[(a, b)][:2]) + (" …" if len(where[(a, b)]) > 2 else ""))
    return "\n".join(lines)


def test_the_graph_sees_imports_inside_functions_too():
    graph, where = import_graph()
    assert {APP, "auth", "dossiers", WEB} <= graph[APP] | {APP}
    assert WEB in graph["dossiers"] and "db" in graph["auth"]
    # cchc.cli registers each domain's commands from inside functions: those edges count.
    assert {"dossiers", "stats", APP} <= graph["cli"]


def test_no_package_imports_another_in_a_circle():
    graph, where = import_graph()
    found = cycles(graph)
    assert not found, "\n\n".join(_explain(c, graph, where) for c in found)


def test_web_imports_no_domain():
    graph, where = import_graph()
    above = sorted(graph[WEB] - FLOOR)
    assert not above, "cchc.web chỉ được dùng các mô-đun nền:\n" + "\n".join(
        f"  web → {n}: " + "; ".join(where[(WEB, n)][:3]) for n in above)


def test_only_the_command_line_imports_the_app():
    graph, where = import_graph()
    importers = sorted(n for n, targets in graph.items() if APP in targets and n != "cli")
    assert not importers, "\n".join(f"{n} → app: " + "; ".join(where[(n, APP)][:3]) for n in importers)


def test_the_floor_imports_nothing_above_it():
    graph, where = import_graph()
    above = sorted((n, t) for n in FLOOR for t in graph.get(n, ()) if t not in FLOOR)
    assert not above, "\n".join(f"{n} → {t}: " + "; ".join(where[(n, t)][:3]) for n, t in above)


def test_every_root_module_has_its_place():
    """A new module directly under cchc/ is either floor or above the domains: say which, in FLOOR or ABOVE."""
    roots = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    assert roots == FLOOR | ABOVE, f"không xếp tầng: {sorted(roots - FLOOR - ABOVE)}; không còn: {sorted(FLOOR | ABOVE - roots)}"
