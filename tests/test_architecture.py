"""The package's layering, read from the source with the standard library's ``ast``.

Each top-level subpackage or module of ``cvlfic`` (``cvlfic.face``, ``cvlfic.codecs``,
``cvlfic.bitstream``, ``cvlfic.plugins``, ...) is one component. The tests check that

* the components' import graph has no cycle (imports inside functions count; a module named
  only by a string, as in the CLI's subcommand table, the lazy names of ``cvlfic/__init__.py``
  or the codec family table of ``cvlfic/codecs/zoo.py``, is late binding, not an import);
* no component imports or uses another component's private names (``_name``, or anything in
  a ``_module``); the package's own private modules (``cvlfic._core``, the compiled core) are
  shared by all components;
* no library module names the development checkout's data layout (a string with
  ``shared/``) or the sample clip: the data folder comes from ``CVLFIC_DATA`` or an
  argument (``cvlfic.datasets``), and only tests/ and bench/ know the checkout's default.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "cvlfic"
# Source folder of each package that ships under cvlfic (cvlfic.plugins is cvlfic/plugins/).
SOURCES = {PACKAGE: ROOT / "cvlfic"}
# The package itself (cvlfic/__init__.py) as a node of the graph.
TOP = "<cvlfic>"
# Strings a library module must not contain: the checkout's data layout and the sample clip.
DEV_LAYOUT = ("shared/", "shared\\", "short_hamilton_clip")

# Known violations in files being changed by others, each with the file and line that must
# change. The lead empties these lists; a listed entry that no longer occurs fails the test
# (so the list can only shrink).
# (importer, imported) components whose imports are left out of the cycle check.
ALLOWED_EDGES: Set[Tuple[str, str]] = set()
# (module file, private name) uses across components.
ALLOWED_PRIVATE: Set[Tuple[str, str]] = set()
# (module file, string) naming the checkout's data layout.
ALLOWED_DEV_LAYOUT: Set[Tuple[str, str]] = set()


def module_files() -> Iterator[Tuple[str, Path]]:
    """(dotted module name, file) of every Python module of the package."""
    for package, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join([package, *parts]), path


MODULES: Dict[str, Path] = dict(module_files())


def is_package(module: str) -> bool:
    return module in MODULES and MODULES[module].name == "__init__.py"


def is_submodule(module: str) -> bool:
    """A module of the package: a source file, or a private top-level module of the package
    that is not Python source (the compiled core ``cvlfic._core``)."""
    parent, _, name = module.rpartition(".")
    return module in MODULES or (parent == PACKAGE and is_private(name))


def component(module: str) -> str:
    """The top-level subpackage or module that ``module`` belongs to."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        raise ValueError(module)
    return parts[1] if len(parts) > 1 else TOP


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def resolve_from(module: str, node: ast.ImportFrom) -> Optional[str]:
    """The absolute module of ``from X import ...`` in ``module`` (None: outside cvlfic)."""
    if node.level:
        base = module.split(".")
        if not is_package(module):
            base = base[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return target if target == PACKAGE or target.startswith(PACKAGE + ".") else None


class Use:
    """One reference of a module to another cvlfic module or name in it."""

    def __init__(self, target: str, line: int, name: Optional[str] = None):
        self.target = target  # the module imported
        self.name = name      # the name taken from it (from-import or attribute), if any
        self.line = line

    def full(self) -> str:
        return f"{self.target}.{self.name}" if self.name else self.target


def uses(module: str, tree: ast.AST) -> Iterator[Use]:
    """Every import of a cvlfic module (at any depth of the file) and every attribute read
    on a name bound to a cvlfic module."""
    bound: Dict[str, str] = {}  # local name -> cvlfic module it refers to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    yield Use(alias.name, node.lineno)
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        bound[alias.name.split(".")[0]] = PACKAGE
        elif isinstance(node, ast.ImportFrom):
            target = resolve_from(module, node)
            if target is None:
                continue
            for alias in node.names:
                if alias.name == "*":
                    yield Use(target, node.lineno)
                    continue
                sub = f"{target}.{alias.name}"
                if is_submodule(sub):  # a submodule, not a name defined in target
                    yield Use(sub, node.lineno)
                    bound[alias.asname or alias.name] = sub
                else:
                    yield Use(target, node.lineno, alias.name)
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            chain = []
            value: ast.AST = node
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if not isinstance(value, ast.Name) or value.id not in bound or isinstance(
                    getattr(node, "ctx", None), ast.Store):
                continue
            # Only the outermost attribute of a chain: a.b.c is visited once, as a.b.c.
            target = bound[value.id]
            for attr in reversed(chain):
                if is_submodule(f"{target}.{attr}"):
                    target = f"{target}.{attr}"
                    continue
                yield Use(target, node.lineno, attr)
                break


def parsed() -> Iterator[Tuple[str, Path, ast.AST]]:
    for module, path in MODULES.items():
        yield module, path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def import_graph() -> Dict[str, Dict[str, List[str]]]:
    """component -> imported component -> ['file:line', ...] where the import happens."""
    graph: Dict[str, Dict[str, List[str]]] = defaultdict(lambda: defaultdict(list))
    for module, path, tree in parsed():
        here = component(module)
        for use in uses(module, tree):
            there = component(use.target)
            place = f"{relative(path)}:{use.line}"
            if there != here and not is_private(there) and place not in graph[here][there]:
                graph[here][there].append(place)
    return graph


def find_cycle(edges: Dict[str, Set[str]]) -> Optional[List[str]]:
    """One cycle of the directed graph as [a, b, ..., a], or None."""
    state: Dict[str, int] = {}  # 1: on the stack, 2: done
    stack: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def tangles(edges: Dict[str, Set[str]]) -> List[Set[str]]:
    """The strongly connected components of more than one node: each holds cycles."""
    nodes = sorted(set(edges) | {b for targets in edges.values() for b in targets})

    def reach(start: str) -> Set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reached = {node: reach(node) for node in nodes}
    groups: List[Set[str]] = []
    for node in nodes:
        group = {other for other in reached[node] if node in reached[other]}
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def test_the_components_import_graph_has_no_cycle():
    graph = import_graph()
    stale = {edge for edge in ALLOWED_EDGES if edge[1] not in graph.get(edge[0], {})}
    assert not stale, f"allowlisted imports no longer present, remove them: {sorted(stale)}"
    edges = {a: {b for b in targets if (a, b) not in ALLOWED_EDGES} for a, targets in graph.items()}
    report = []
    for group in tangles(edges):
        cycle = find_cycle({a: edges.get(a, set()) & group for a in group})
        steps = [f"{a} -> {b} ({', '.join(graph[a][b][:3])})" for a, b in zip(cycle, cycle[1:])]
        report.append(f"{{{', '.join(sorted(group))}}}, e.g.\n    " + "\n    ".join(steps))
    assert not report, "import cycles between cvlfic's components:\n  " + "\n  ".join(report)


def test_no_component_uses_another_components_private_names():
    found = set()
    report = []
    for module, path, tree in parsed():
        here = component(module)
        for use in uses(module, tree):
            there = component(use.target)
            if there == here or is_private(there):
                continue  # its own names, or the package's private modules (cvlfic._core)
            inner = use.target.split(".")[2:] + ([use.name] if use.name else [])
            if any(is_private(part) for part in inner):
                key = (relative(path), use.full())
                found.add(key)
                if key not in ALLOWED_PRIVATE:
                    report.append(f"{relative(path)}:{use.line}: {use.full()}")
    stale = ALLOWED_PRIVATE - found
    assert not stale, f"allowlisted private uses no longer present, remove them: {sorted(stale)}"
    assert not report, "private names used across components:\n  " + "\n  ".join(sorted(set(report)))


def test_no_library_module_names_the_development_layout():
    found = set()
    report = []
    for _module, path, tree in parsed():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                hits = [s for s in DEV_LAYOUT if s in text]
                if text == "shared":  # Path(...) / "shared" / "data"
                    hits.append(text)
                for hit in hits:
                    key = (relative(path), hit)
                    found.add(key)
                    if key not in ALLOWED_DEV_LAYOUT:
                        report.append(f"{relative(path)}:{node.lineno}: {hit!r} in {text[:60]!r}")
    stale = ALLOWED_DEV_LAYOUT - found
    assert not stale, f"allowlisted strings no longer present, remove them: {sorted(stale)}"
    assert not report, ("library modules naming the checkout's data layout (use "
                        "cvlfic.datasets with CVLFIC_DATA or a path):\n  " + "\n  ".join(report))


def test_the_checker_sees_the_whole_package():
    # A guard for the checks above: they read every module, and they find what they look for.
    assert {"cvlfic.cli", "cvlfic.codecs.base", "cvlfic.plugins.pyav_input"} <= set(MODULES)
    tree = ast.parse("from cvlfic.face.align import _x\nimport cvlfic.video as v\nv._y\n"
                     "def f():\n    from ..codecs import base\n")
    got = {u.full() for u in uses("cvlfic.eval.bench", tree)}
    assert got == {"cvlfic.face.align._x", "cvlfic.video", "cvlfic.video._y", "cvlfic.codecs.base"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None
    assert tangles({"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}, "e": {"a"}}) == \
        [{"a", "b"}, {"c", "d"}]
