"""Checks the module-level import graph of the varbayes package.

Fails (exit status 1, one line per problem) on an import cycle between its modules and on a
module importing a private name (``from .x import _name``, where ``_name`` is not a module) of
another. Imports inside functions and under ``if TYPE_CHECKING:`` are not part of the graph: they
run after every module-level import has finished.

Usage: python tools/check_imports.py [PACKAGE_DIR]   (default: python/varbayes)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def module_names(root: Path) -> dict[str, Path | None]:
    """Dotted module name -> source file, for every module of the package at ``root``; compiled
    extensions (built in place, or described by the repository's ``stubs/``) map to None."""
    names: dict[str, Path | None] = {}
    stubs = root.parents[1] / "stubs" / root.name
    for parent, pattern in ((root, "*.so"), (root, "*.pyd"), (stubs, "*.pyi")):
        for ext in parent.rglob(pattern):
            rel = ext.relative_to(parent)
            names[".".join([root.name, *rel.parent.parts, rel.name.split(".")[0]])] = None
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _top_level(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported (not in functions or classes)."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.With):
            pending.extend(node.body)
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path | None]) -> tuple[set[str], list[str]]:
    """The package modules ``name`` imports at module level, and its imports of private names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges: set[str] = set()
    private: list[str] = []
    for node in _top_level(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            edges.update(a.name for a in node.names if a.name in modules)
            continue
        if node.level:
            base_parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join(base_parts + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        if base not in modules:
            continue  # outside the package
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            if sub in modules:
                edges.add(sub)
                continue
            edges.add(base)
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                where = f"{name} (line {node.lineno})"
                private.append(f"{where} imports the private name {alias.name} from {base}")
    edges.discard(name)
    return edges, private


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def check(root: Path) -> list[str]:
    """Every problem found in the package at ``root``, as readable lines (empty when clean)."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {}
    problems: list[str] = []
    for name, path in modules.items():
        if path is None:
            graph[name] = set()  # a compiled extension imports no module of the package
            continue
        graph[name], private = imports_of(name, path, modules)
        problems.extend(private)
    problems.extend(f"import cycle between {', '.join(c)}" for c in find_cycles(graph))
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parents[1] / "python" / "varbayes")
    problems = check(root)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
