"""The layering of docs/internals/architecture.md, checked from the import graph.

Each package sits in a layer and imports only from its own layer or those below: the catalog
knows nothing of analysis, analysis nothing of reports, nothing but the CLI knows the CLI.
Every ``import`` counts, at the top of a file or inside a function (a function-level import is
still a dependency); ``if TYPE_CHECKING:`` imports count for the layers but not for cycles.
No two modules import each other, directly or round a loop, at run time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "preservation"

#: Lowest first. A module belongs to the longest prefix that names it.
LAYERS: list[tuple[str, ...]] = [
    ("preservation", "preservation.errors", "preservation.paths", "preservation.units",
     "preservation.vocabulary", "preservation.progress", "preservation.schemas"),
    ("preservation.fingerprint",),
    ("preservation.provenance.chain",),
    ("preservation.catalog",),
    ("preservation.provenance",),
    ("preservation.scan",),
    ("preservation.analyse",),
    ("preservation.evalset", "preservation.report"),
    ("preservation.evidence", "preservation.review", "preservation.audit", "preservation.workshop"),
    ("preservation.cli", "preservation.__main__"),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _existing(name: str) -> str | None:
    """The module ``name`` is, or is in (``a.b.Name`` → ``a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    return lines


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, only for type checking) of every import in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_lines(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # ``from pkg import submodule`` depends on the submodule, ``from mod import name`` on mod
            names = [f"{source}.{a.name}" if f"{source}.{a.name}" in MODULES else source for a in node.names]
        for name in names:
            target = _existing(name) if name.startswith("preservation") else None
            if target is not None and target != module:
                out.append((target, node.lineno, node.lineno in typing_only))
    return out


def layer_of(module: str) -> int:
    best, found = -1, None
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, found = len(p), i
    assert found is not None, f"{module} is in no layer: add its package to LAYERS and to the architecture page"
    return found


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_imports_go_down_the_layers() -> None:
    wrong = []
    for module in sorted(MODULES):
        for target, line, _typing in _imports(module):
            if layer_of(target) > layer_of(module):
                wrong.append(f"{MODULES[module].relative_to(ROOT)}:{line} {module} imports {target}, a higher layer")
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = {m: {t for t, _line, typing in _imports(m) if not typing} for m in MODULES}
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_checker_sees_what_it_checks() -> None:
    """The graph is not empty and a known import is in it (a broken walk would pass everything)."""
    assert ("preservation.catalog.engine", False) in {(t, ty) for t, _l, ty in _imports("preservation.scan.run")}
    assert layer_of("preservation.provenance.chain") < layer_of("preservation.catalog.models") \
        < layer_of("preservation.provenance.decisions")
    with pytest.raises(AssertionError):
        layer_of("elsewhere.module")


def test_scan_help_imports_nothing_heavy() -> None:
    """``preservation scan --help`` answers without loading the PDF, science or cluster stacks."""
    code = ("import sys\n"
            "from preservation.cli.main import main\n"
            "sys.argv = ['preservation', 'scan', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = ['weasyprint', 'scipy', 'dask', 'starlette', 'uvicorn', 'jinja2']\n"
            "print('LOADED', [m for m in heavy if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "Usage: preservation scan" in out.stdout
    assert "LOADED []" in out.stdout
