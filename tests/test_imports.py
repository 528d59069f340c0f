"""No import circle among unstrip's modules, found statically.

Every ``import`` and ``from ... import`` statement of every module under
``src/unstrip`` counts, wherever it sits (module level, inside a function, or
under ``if __name__ == "__main__"``): a circle through a function-level
import is still two modules that each need the other. An import names the
module it loads (``from unstrip.decode import rules`` loads
``unstrip.decode.rules``; ``from unstrip.restorer import Restorer`` loads
``unstrip.restorer``); the parent packages Python runs first are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

from test_layout import find_cycle

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "unstrip"


def module_files(root: Path = SRC / PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (``unstrip.text.profiles``)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module ``name`` loads: itself, or the nearest enclosing module."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``module`` imports anywhere in its source."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                drop = node.level - 1 if is_package else node.level
                anchor = anchor[: len(anchor) - drop]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import sub`` loads pkg.sub when sub is a module
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                     for alias in node.names]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                target = _resolve(name, modules)
                if target and target != module:
                    found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_the_cycle_finder_finds_a_circle_and_passes_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_function_level_and_relative_imports_are_edges(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import leaf\n")
    (pkg / "sub" / "leaf.py").write_text("def f():\n    from unstrip import top\n")
    (pkg / "top.py").write_text("from unstrip.sub.leaf import f\n")
    modules = module_files(pkg)
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert graph["unstrip.sub"] == {"unstrip.sub.leaf"}
    assert graph["unstrip.sub.leaf"] == {"unstrip.top"}
    assert find_cycle(graph) == ["unstrip.sub.leaf", "unstrip.top", "unstrip.sub.leaf"]


def test_the_package_has_no_import_circle():
    graph = import_graph()
    assert len(graph) > 40, "the package's modules were not found"
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_no_module_only_forwards_to_another():
    """A module whose whole body runs another module's command line is an old
    path kept alive; commands name the module that holds the code."""
    for name, path in module_files().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        body = [n for n in tree.body
                if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        only_main = len(body) == 1 and isinstance(body[0], ast.If) and "__main__" in (
            ast.unparse(body[0].test))
        assert not only_main, f"{name} only forwards to another module's command line"
