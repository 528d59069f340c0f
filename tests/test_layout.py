"""The package's layout: the runtime needs no training or evaluation code, and no import circles.

Data flows one way (profiles -> alignment -> network -> decoding -> text),
so restoring text must import nothing that trains or scores, and no module
may reach, through its imports, back to itself.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import unstrip

PACKAGE = Path(unstrip.__file__).resolve().parent

#: Training and evaluation code, which the runtime must never import.
BLOCKED = ("unstrip.train", "unstrip.evaluate")


def _module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("unstrip",) + path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def _blocked(name: str) -> bool:
    return any(name == b or name.startswith(b + ".") for b in BLOCKED)


def runtime_modules() -> list[str]:
    return [n for n in _module_names() if not _blocked(n)]


def test_the_runtime_imports_no_training_or_evaluation_module():
    script = textwrap.dedent(
        f"""
        import importlib, importlib.abc, sys

        BLOCKED = {BLOCKED!r}

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                    raise ImportError(f"the runtime imported {{name}}")
                return None

        sys.meta_path.insert(0, Block())
        failed = []
        for name in {runtime_modules()!r}:
            try:
                importlib.import_module(name)
            except ImportError as exc:
                failed.append(f"{{name}}: {{exc}}")
        from unstrip import Restorer
        assert Restorer("baseline").restore("dont go") == "Don't go."
        print("\\n".join(failed))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == ""


def test_the_blocker_would_catch_a_runtime_import_of_training_code():
    # the same finder, with a runtime module (unstrip.restorer) blocked, must fail the import
    script = textwrap.dedent(
        """
        import importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "unstrip.restorer":
                    raise ImportError(name)
                return None

        sys.meta_path.insert(0, Block())
        import unstrip
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode != 0 and "unstrip.restorer" in out.stderr


def _imports(path: Path, known: set[str]) -> set[str]:
    """The ``unstrip`` modules ``path`` imports anywhere (a function body too), except in
    an ``if __name__ == "__main__":`` block, which runs only as a script."""

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"):
            skipped.update(id(n) for n in ast.walk(node))
    deps: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            deps.update(resolve(a.name) for a in node.names if a.name.startswith("unstrip"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "unstrip":
            for a in node.names:
                full = f"{node.module}.{a.name}"
                deps.add(full if full in known else resolve(node.module))
    deps.discard(None)
    return deps


def import_graph() -> dict[str, set[str]]:
    names = set(_module_names())
    graph = {}
    for name in names:
        rel = name.split(".")[1:]
        path = PACKAGE.joinpath(*rel).with_suffix(".py") if rel else PACKAGE / "__init__.py"
        if not path.exists():
            path = PACKAGE.joinpath(*rel, "__init__.py")
        graph[name] = _imports(path, names) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (as a path that ends where it starts), or None.

    >>> find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}})
    ['a', 'b', 'c', 'a']
    >>> find_cycle({"a": {"b"}, "b": set()}) is None
    True
    """
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        path.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return path[path.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        path.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def test_find_cycle_finds_a_circle_and_accepts_a_chain():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_circle_among_unstrip_modules():
    graph = import_graph()
    assert "unstrip.restorer" in graph["unstrip"]  # the walk sees imports at all
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("module", ["unstrip", "unstrip.server", "unstrip.batch"])
def test_no_import_path_from_the_runtime_reaches_training_or_evaluation(module):
    # also the imports inside functions, which importing a module does not run
    graph = import_graph()
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    assert "unstrip.restorer" in seen
    assert sorted(m for m in seen if _blocked(m)) == []


@pytest.mark.parametrize("module,usage", [
    ("unstrip.train.wordcontext_table", "{build,evaluate}"),
    ("unstrip.train.onnx_weights", "model_dir"),
    ("unstrip.evaluate.iwslt", "--block"),
    ("unstrip.train.count_model", "--out"),
])
def test_python_m_entry_points_still_run(module, usage):
    out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert usage in out.stdout


#: What each folder may import from the package (besides itself): data flows
#: text -> network -> decode, and none of them reaches up to a model or a shell.
LAYERS = {
    "unstrip.text": (),
    "unstrip.network": ("unstrip.text",),
    "unstrip.decode": ("unstrip.text", "unstrip.network"),
}


def _in(name: str, folder: str) -> bool:
    return name == folder or name.startswith(folder + ".")


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_each_folder_imports_only_the_folders_below_it(folder):
    graph = import_graph()
    allowed = (folder, *LAYERS[folder])
    wrong = sorted(f"{m} -> {d}" for m, deps in graph.items() if _in(m, folder)
                   for d in deps if not any(_in(d, a) for a in allowed))
    assert any(_in(m, folder) for m in graph)
    assert wrong == []
