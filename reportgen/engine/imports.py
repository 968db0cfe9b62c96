"""The package's import graph, read from the sources (ast), never imported: which package
modules a module reaches by imports, at module level or inside functions (a lazy import
is still code the module runs). Imports under ``if TYPE_CHECKING:`` are left out: they
are type hints, not code that runs. A stage's code key is the sources of everything its
module reaches (engine.stage), so an edit reruns exactly the stages whose output it can
change.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path


def _source_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of ``tree`` outside ``if TYPE_CHECKING:`` blocks."""
    found: list = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module name of a (possibly relative) ``from … import``."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@functools.cache
def direct_imports(name: str) -> frozenset[str]:
    """The modules of ``name``'s own top-level package that module ``name`` imports
    (``from pkg import mod`` counts ``pkg.mod`` when that is a module). Raises
    ModuleNotFoundError for an unknown module."""
    path = _source_file(name)
    if path is None:
        raise ModuleNotFoundError(name)
    top = name.split(".")[0]
    tree = ast.parse(path.read_bytes(), filename=str(path))
    out: set[str] = set()
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = _resolve(name, path.name == "__init__.py", node)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for t in targets:
            if t.split(".")[0] == top and _source_file(t) is not None:
                out.add(t)
    out.discard(name)
    return frozenset(out)


@functools.cache
def reachable(name: str) -> tuple[str, ...]:
    """``name`` and every package module it reaches by imports, sorted: the modules whose
    source can change what ``name``'s functions do."""
    seen, todo = {name}, [name]
    while todo:
        for m in direct_imports(todo.pop()):
            parent = m.rsplit(".", 1)[0]
            for dep in (m, parent) if "." in m else (m,):
                if dep not in seen and _source_file(dep) is not None:
                    seen.add(dep)
                    todo.append(dep)
    return tuple(sorted(seen))
