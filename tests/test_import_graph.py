"""The import graph of the ``vdwgym`` package (read with ``ast``, nothing imported): no cycle,
whether its imports run on import or inside a function.

Module-level imports (at the top of a module, including under ``if``/``try`` there, but not
under ``if TYPE_CHECKING``) are what runs on import; imports inside functions (lazy ones,
for heavy dependencies) are reported separately.  Neither may close a cycle: a lazy import
hides a cycle from the interpreter, not from the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: package name -> source folder (pyproject's package-dir: vdwgym.envs and vdwgym.agents live
#: at the top of the repository).
SOURCES = {"vdwgym": ROOT / "vdwgym", "vdwgym.envs": ROOT / "envs",
           "vdwgym.agents": ROOT / "agents"}

def modules() -> dict[str, Path]:
    found = {}
    for package, folder in SOURCES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` (a module or ``module.attribute``) names."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(module: str, path: Path, known: dict[str, Path]) -> tuple[set[str], set[str]]:
    """``(module_level, function_level)`` vdwgym modules imported by ``module``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    top: set[str] = set()
    inner: set[str] = set()

    def targets(node: ast.Import | ast.ImportFrom) -> set[str]:
        out = set()
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import sub`` imports the submodule ``pkg.sub`` (pkg/__init__ runs
            # first, as for any submodule, so that implicit edge is not counted);
            # ``from mod import attribute`` imports ``mod``.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        for name in names:
            hit = _resolve(name, known)
            if hit is not None and hit != module:
                out.add(hit)
        return out

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                (inner if in_function else top).update(targets(child))
            nested = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, nested)

    visit(tree, False)
    return top, inner - top


def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    known = modules()
    top, inner = {}, {}
    for name, path in known.items():
        top[name], inner[name] = imports_of(name, path, known)
    return top, inner


def cycles(edges: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[tuple[str, ...]] = set()
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                connect(w)
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
                found.add(tuple(sorted(component)))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_the_graph_covers_the_package():
    top, inner = graph()
    assert {"vdwgym", "vdwgym.worker", "vdwgym.envs", "vdwgym.agents"} <= set(top)
    assert "vdwgym.engines.runfiles" in top["vdwgym.worker.protocol"]
    assert "vdwgym.md.simulation" in inner["vdwgym.md.task"]  # a lazy edge is seen
    assert all(not (top[m] & inner[m]) for m in top)  # each edge reported once


def test_cycle_finder_finds_a_cycle_and_ignores_a_chain():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {("a", "b", "c")}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == set()


def test_no_cycle_of_module_level_imports():
    top, _ = graph()
    found = cycles(top)
    assert not found, f"import cycles (module-level imports): {sorted(found)}"


def test_no_cycle_closed_by_function_level_imports():
    top, inner = graph()
    found = cycles({m: top[m] | inner[m] for m in top})
    assert not found, f"import cycles (through function-level imports): {sorted(found)}"
