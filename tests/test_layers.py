"""The layers of lib/ and their one direction of dependencies, read from the code itself.

Every module of lib/, pages/, bench/ and the two app scripts is parsed (AST): every `import` and
`from … import`, at the top of the module or inside a function, is an arrow from the module to
the project module it names. The test fails on

- an arrow that the layers forbid (LAYERS below, drawn in docs/ARCHITECTURE.md);
- a cycle between modules, however long and wherever its imports are written;
- a private name (`_name`) of one module taken by another (`module._name`, `from m import _n`);
- an import of a `__main__` module (a command line is run, never imported).

A module `lib.a.b` imported as `from lib.a import b` is an arrow to `lib.a.b`; `from lib.a import
name` (a name of the package's __init__) is an arrow to `lib.a`.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("lib", "pages", "bench", "scripts")
SCRIPTS = ("streamlit_app.py", "serve.py")

# What each package of lib/ may import, besides itself (docs/ARCHITECTURE.md, « Layers »).
# A key with a dot names one module, whose rule is narrower or wider than its package's.
LAYERS: dict[str, frozenset[str]] = {
    "lib.core": frozenset(),
    "lib.data": frozenset({"lib.core"}),
    "lib.charts": frozenset({"lib.core"}),
    "lib.web": frozenset({"lib.core", "lib.data", "lib.charts"}),
    "lib.fiche": frozenset({"lib.core", "lib.data", "lib.charts", "lib.web"}),
    "lib.sources": frozenset({"lib.core", "lib.data.store", "lib.data.industry_lists"}),
    # Reading an address needs no dataset: the URL layer itself stands on lib.core alone.
    "lib.web.urlstate": frozenset({"lib.core"}),
}
# Third-party packages a part of lib/ never imports, directly or through another module.
NEVER_LOADED: dict[str, frozenset[str]] = {
    "lib": frozenset({"streamlit"}),  # lib/ is plain Python, whoever calls it
    "lib.core": frozenset({"duckdb", "streamlit"}),
    "lib.charts": frozenset({"duckdb", "streamlit"}),  # a chart is drawn from frames
}
# Packages of the project outside lib/: pages may import all of lib; lib imports none of them.
OUTSIDE_LIB = ("pages", "bench", "tests", "streamlit_app", "serve")


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing module
    target: str  # the project module imported
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files(root: Path = ROOT) -> Iterator[Path]:
    for top in SCANNED:
        yield from sorted(p for p in (root / top).rglob("*.py") if "__pycache__" not in p.parts)
    for script in SCRIPTS:
        yield root / script


MODULES = {module_name(path): path for path in project_files()}


def is_project(name: str) -> bool:
    return name.split(".")[0] in {*SCANNED, *OUTSIDE_LIB}


def _absolute(node: ast.ImportFrom, me: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = me.split(".") if is_package else me.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def arrows(path: Path, modules: dict[str, Path] = MODULES, root: Path = ROOT) -> list[Arrow]:
    """Every import of a project module in `path`, wherever it is written."""
    me = module_name(path, root)
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [Arrow(me, a.name, node.lineno) for a in node.names if is_project(a.name)]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, me, path.name == "__init__.py")
            if not is_project(base):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                target = candidate if candidate in modules else base
                found.append(Arrow(me, target, node.lineno))
    return [arrow for arrow in found if arrow.target != me]


def private_names(path: Path) -> list[str]:
    """`module._name` and `from module import _name` taken from another project module."""
    tree = ast.parse(path.read_text("utf-8"))
    bound: dict[str, str] = {}  # local name -> project module it is bound to
    taken = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or is_project(node.module or "")):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    taken.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if is_project(alias.name):
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            taken.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return taken


def layer_of(module: str) -> str | None:
    """The LAYERS key that rules `module`: its own, else its package's (None outside lib/)."""
    for key in sorted(LAYERS, key=len, reverse=True):
        if module == key or module.startswith(key + "."):
            return key
    return None


def allowed(source: str, target: str) -> bool:
    if target.endswith("__main__"):
        return False
    if not source.startswith("lib"):
        return True  # pages, bench and the scripts may use all of lib
    if not target.startswith("lib"):
        return False  # nothing in lib/ imports pages/, bench/, tests/ or the scripts
    if target == "lib":
        return True
    if target.split(".")[:2] == source.split(".")[:2]:
        return True  # within one package of lib/
    mine = layer_of(source)
    if mine is None:
        return True
    return any(target == ok or target.startswith(ok + ".") for ok in LAYERS[mine])


def forbidden(all_arrows: list[Arrow]) -> list[str]:
    return [
        f"{a.source} -> {a.target} (line {a.line})"
        for a in all_arrows
        if not allowed(a.source, a.target)
    ]


def cycles(all_arrows: list[Arrow]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for a in all_arrows:
        graph.setdefault(a.source, set()).add(a.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


ALL_ARROWS = [arrow for path in MODULES.values() for arrow in arrows(path)]


def test_every_package_of_lib_has_a_rule() -> None:
    packages = {name for name in MODULES if name.count(".") == 1 and name.startswith("lib.")}
    packages = {name for name in packages if (ROOT / name.replace(".", "/")).is_dir()}
    assert packages == {key for key in LAYERS if key.count(".") == 1}
    loose = [name for name in MODULES if name.startswith("lib.") and layer_of(name) is None]
    assert not loose, f"modules of lib/ outside every package: {loose}"


def test_no_arrow_goes_against_the_layers() -> None:
    assert not forbidden(ALL_ARROWS)


def test_no_import_cycle() -> None:
    assert not cycles(ALL_ARROWS)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_is_taken_across_modules(name: str) -> None:
    assert not private_names(MODULES[name])


def test_nobody_imports_a_command_line() -> None:
    mains = [a for a in ALL_ARROWS if a.target.endswith("__main__")]
    assert not mains
    for name, path in MODULES.items():
        if name.startswith("lib"):
            assert '__name__ == "__main__"' not in path.read_text("utf-8"), (
                f"{name}: a command line belongs in a __main__ module"
            )


def loaded_one_by_one(modules: list[str], cwd: Path = ROOT) -> dict[str, list[str]]:
    """Each module imported in turn in a fresh interpreter: the modules sys.modules gained."""
    code = (
        "import json, sys\n"
        "gained = {}\n"
        f"for name in {modules!r}:\n"
        "    before = set(sys.modules)\n"
        "    __import__(name)\n"
        "    gained[name] = sorted(set(sys.modules) - before)\n"
        "print(json.dumps(gained))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def heavy(loaded: list[str], packages: frozenset[str]) -> list[str]:
    return [name for name in loaded if name.split(".")[0] in packages]


def offending(gained: dict[str, list[str]], bad: Callable[[str], bool]) -> dict[str, list[str]]:
    """Each imported module with the `bad` modules it brought in (none: left out)."""
    found = {name: [module for module in new if bad(module)] for name, new in gained.items()}
    return {name: modules for name, modules in found.items() if modules}


@pytest.mark.parametrize("part", sorted(NEVER_LOADED))
def test_what_a_part_of_lib_never_loads(part: str) -> None:
    """Imports can hide behind another module: this reads what importing them really loads.

    Each module is imported in the same interpreter, in turn, so a forbidden package appears in
    the gains of the first module that brought it in.
    """
    mine = sorted(name for name in MODULES if name.startswith(part + "."))
    mine = [name for name in mine if not name.endswith("__main__")]
    gained = loaded_one_by_one(mine)
    assert not offending(gained, lambda module: bool(heavy([module], NEVER_LOADED[part])))
    if part != "lib":  # and no module of lib.data, whatever its import path
        assert not offending(gained, lambda module: module.startswith("lib.data"))


def test_the_vocabulary_modules_stand_alone() -> None:
    """lib.core.flows, theme and sql are read by every layer: they load no pandas nor plotly,
    nor the reference tables, the database or a chart."""
    gained = loaded_one_by_one(["lib.core.flows", "lib.core.theme", "lib.core.sql"])
    heavy_ones = frozenset({"duckdb", "pandas", "plotly", "numpy"})
    assert not offending(
        gained,
        lambda module: (
            bool(heavy([module], heavy_ones))
            or module == "lib.core.refs"
            or module.startswith(("lib.data", "lib.charts"))
        ),
    )


def test_the_load_check_names_the_module_that_brings_a_package_in(tmp_path: Path) -> None:
    (tmp_path / "first.py").write_text("import second\n")
    (tmp_path / "second.py").write_text("import csv\n")
    gained = loaded_one_by_one(["first", "second"], cwd=tmp_path)
    assert {"second", "csv"} <= set(gained["first"])
    assert gained["second"] == []
    assert heavy(["duckdb.typing", "pandas"], frozenset({"duckdb"})) == ["duckdb.typing"]


def test_a_module_rule_narrows_its_package() -> None:
    assert allowed("lib.web.api", "lib.data.db")
    assert allowed("lib.web.api", "lib.web.urlstate")
    assert allowed("lib.web.urlstate", "lib.core.refs")
    assert not allowed("lib.web.urlstate", "lib.data.db")
    assert not allowed("lib.web.urlstate", "lib.charts.kit")
    assert allowed("lib.sources.ingest.steps", "lib.data.store.writer")
    assert not allowed("lib.sources.ingest.steps", "lib.data.queries")


# --- the checker itself, on small trees written here --------------------------------------------


def _arrows_of(tmp_path: Path, files: dict[str, str]) -> list[Arrow]:
    """The arrows of a small tree of modules written under tmp_path."""
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    modules = {module_name(p, tmp_path): p for p in tmp_path.rglob("*.py")}
    return [arrow for p in sorted(modules.values()) for arrow in arrows(p, modules, tmp_path)]


def test_the_checker_sees_imports_inside_functions_and_cycles(tmp_path: Path) -> None:
    found = _arrows_of(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/core/__init__.py": "",
            "lib/core/a.py": "def f():\n    from lib.data import b\n",
            "lib/data/__init__.py": "",
            "lib/data/b.py": "from lib.core import a\n",
        },
    )
    assert forbidden(found) == ["lib.core.a -> lib.data.b (line 2)"]
    assert cycles(found) == [["lib.core.a", "lib.data.b"]]


def test_the_checker_refuses_pages_and_mains_from_lib(tmp_path: Path) -> None:
    found = _arrows_of(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/web/__init__.py": "",
            "lib/web/a.py": "import pages.x\nfrom lib.fiche import __main__\n",
            "lib/fiche/__init__.py": "",
            "lib/fiche/__main__.py": "",
            "pages/__init__.py": "",
            "pages/x.py": "from lib.web import a\n",
        },
    )
    assert forbidden(found) == [
        "lib.web.a -> pages.x (line 1)",
        "lib.web.a -> lib.fiche.__main__ (line 2)",
    ]


def test_the_checker_finds_private_names(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "from lib.core import kit\nfrom lib.core.kit import _hidden\n"
        "x = kit._step(1)\ny = kit.step(1)\nz = obj._private\n"
    )
    assert private_names(path) == [
        "line 2: from lib.core.kit import _hidden",
        "line 3: kit._step",
    ]
