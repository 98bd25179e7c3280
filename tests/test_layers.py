"""Dependencies point one way: models ← index ← ingest ← app/{answer, search, evaluation} ← app/{http, cli}.

Every import of every module (those inside functions too) is read from the source; an import against the rule,
or a cycle between modules, fails here with the line to change.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "index", "ingest", "models")

# The layer of each module, by the longest matching name.
LAYERS = {
    "models": "models",
    "index": "index",
    "ingest": "ingest",
    "app": "app",
    "app.answer": "answer",
    "app.search": "search",
    "app.reader": "reader",
    "app.evaluation": "evaluation",
    "app.scdl": "export",
    "app.db": "db",
    "app.feedback": "feedback",
    "app.settings": "settings",
    "app.wiring": "wiring",
    "app.http": "http",
    "app.cli": "cli",
}
BELOW = {
    "models": set(),
    "index": {"models"},
    "ingest": {"index", "models"},
    "answer": {"ingest", "index", "models"},
    "search": {"ingest", "index", "models"},
    "export": {"ingest", "index", "models"},
    "reader": {"search", "ingest", "index", "models"},
    "evaluation": {"answer", "ingest", "index", "models"},
    "db": set(),  # the shared PostgreSQL database: its connections and schema, nothing of the project's own
    "feedback": {"db", "evaluation", "answer", "ingest", "index", "models"},
    "settings": set(),  # read by the app factory, the wiring and the CLI only
    "wiring": {"feedback", "db", "answer", "settings", "ingest", "index", "models"},
    "http": {
        "wiring",
        "answer",
        "search",
        "reader",
        "evaluation",
        "feedback",
        "db",
        "export",
        "settings",
        "ingest",
        "index",
        "models",
    },
    "cli": {
        "http",
        "wiring",
        "answer",
        "search",
        "reader",
        "evaluation",
        "feedback",
        "db",
        "export",
        "settings",
        "ingest",
        "index",
        "models",
    },
    "app": set(),
}


def modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int]]:
    """The project modules a module imports, with the line of each import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from app import wiring` imports the module app.wiring; `from app.x import y` imports app.x.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        out += [(t, node.lineno) for t in targets if t.split(".")[0] in PACKAGES and t in known]
    return out


def layer(name: str) -> str:
    prefix = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return LAYERS[prefix]


def test_every_module_has_a_layer():
    assert all(any(n == p or n.startswith(p + ".") for p in LAYERS) for n in modules())


def test_imports_point_down_the_layers():
    known = modules()
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {name} ({layer(name)}) imports {target} ({layer(target)})"
        for name, path in known.items()
        for target, line in imports(name, path, known)
        if layer(target) != layer(name) and layer(target) not in BELOW[layer(name)]
    ]
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_cycle():
    known = modules()
    graph = {name: {t for t, _ in imports(name, path, known) if t != name} for name, path in known.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_rule_itself_has_no_cycle():
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(b == goal or (b not in seen and reaches(b, goal, seen | {b})) for b in BELOW[start])

    assert not [a for a in BELOW if reaches(a, a)]
