"""The architecture's rules, checked on the source: the import direction of ARCHITECTURE.md
(import-linter contracts), no import cycles among our modules, a small core/, and a light
`ingle --help`.

The layers are generated from the packages that exist, so a feature package added later
(core/jobs, core/lab...) is checked as soon as it is created, in its place.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The top-level folders installed as ingle.<folder> (themes holds no Python modules).
FOLDERS = ("core", "tui", "memory", "personas", "validators")

# core.<features>, the later one may use the earlier: jobs > evals > lab > expenses > memories.
ORDERED_FEATURES = ("jobs", "evals", "lab", "expenses", "memories")
# core.{routing,context,repomap,edits,vcs,test_runs}: one level; they may use each other.
CAPABILITIES = ("routing", "context", "repomap", "edits", "vcs", "test_runs")
# Below the features, top to bottom.
FOUNDATION = ("workbench", "backends", "config")
BASICS = ("errors", "bus", "gpu", "version", "activity")  # stand-alone helpers every layer may use
NOT_FEATURES = {"agent", "frontends", *CAPABILITIES, *FOUNDATION, *BASICS}
# The one import allowed to point upward: the CLI starts the app, lazily.
ALLOWED_UPWARD = [("ingle.core.frontends.cli", "ingle.tui.app")]
HEAVY = ("textual", "anthropic", "playwright", "tree_sitter", "mcp")
# Cycles being taken apart right now, each with who does it. The test fails when one is
# gone, so the entry is removed with the fix; a new cycle is never added here.
KNOWN_CYCLES: dict[tuple[str, ...], str] = {}


def _core_parts() -> list[str]:
    """The names of core's subpackages and modules as they are on disk now."""
    core = ROOT / "core"
    parts = [p.name for p in core.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    parts += [p.stem for p in core.glob("*.py") if p.stem != "__init__"]
    return sorted(parts)


def layers() -> list[str]:
    """The layers contract, top to bottom, over what exists. `|` joins independent
    siblings (they must not import each other); `:` joins siblings that may."""
    parts = set(_core_parts())

    def core(names: tuple[str, ...] | list[str], sep: str) -> str | None:
        present = [f"ingle.core.{n}" for n in names if n in parts]
        return f" {sep} ".join(present) if present else None

    other_features = sorted(parts - NOT_FEATURES - set(ORDERED_FEATURES))
    rows = [
        "ingle.tui",
        "ingle.core.frontends",
        "ingle.core.agent",
        *(f"ingle.core.{n}" for n in ORDERED_FEATURES if n in parts),
        core(other_features, "|"),  # features outside the order use none of each other
        core(CAPABILITIES, ":"),
        *(f"ingle.core.{n}" for n in FOUNDATION if n in parts),
        core(BASICS, ":"),
        "ingle.personas | ingle.validators | ingle.memory",
    ]
    return [row for row in rows if row]


def test_layers_follow_the_architecture(tmp_path: Path) -> None:
    pytest.importorskip("importlinter", reason="pip install -e '.[test]' brings import-linter")
    from importlinter.cli import lint_imports

    ignore = "\n".join(f"    {low} -> {high}" for low, high in ALLOWED_UPWARD)
    layer_lines = "\n".join(f"    {row}" for row in layers())
    config = tmp_path / "importlinter.ini"
    config.write_text(
        "[importlinter]\n"
        f"root_packages =\n" + "".join(f"    ingle.{f}\n" for f in FOLDERS) +
        "include_external_packages = False\n\n"
        "[importlinter:contract:layers]\n"
        "name = tui > core.frontends > core.agent > core.<features> > core capabilities > "
        "core.workbench > core.backends > core.config > personas | validators | memory\n"
        "type = layers\n"
        f"layers =\n{layer_lines}\n"
        f"ignore_imports =\n{ignore}\n",
        encoding="utf-8",
    )
    assert lint_imports(config_filename=str(config), no_cache=True) == 0, (
        "an import points upward (the report above names it): move the code down, or pass "
        "the part in from above"
    )


def test_the_layers_cover_every_core_package() -> None:
    """A feature added under core/ lands in a layer: nothing is left out of the contract."""
    listed = " ".join(layers())
    missing = [p for p in _core_parts() if f"ingle.core.{p}" not in listed.split()]
    assert missing == []


# -- cycles ---------------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["ingle", *parts])


def import_graph() -> dict[str, set[str]]:
    """module -> our modules it imports anywhere: at the top, inside functions and under
    TYPE_CHECKING all count (a lazy import only hides a cycle)."""
    files = {_module_name(p): p for f in FOLDERS for p in (ROOT / f).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import mod` imports the module pkg.mod when there is one.
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names
                ]
            for target in targets:
                while target and target not in files:  # `import a.b.c` of a name inside c
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles_among_our_modules() -> None:
    graph = import_graph()
    assert len(graph) > 100  # the walk really read the tree
    assert "ingle.core.agent.engine" in graph["ingle.core.frontends.batch"]  # lazy imports count
    found = [c for c in cycles(graph) if tuple(c) not in KNOWN_CYCLES]
    listing = "\n".join(" <-> ".join(component) for component in found)
    assert not found, f"import cycles (imports inside functions count):\n{listing}"
    fixed = [known for known in KNOWN_CYCLES if list(known) not in cycles(graph)]
    assert not fixed, f"these cycles are gone: remove them from KNOWN_CYCLES: {fixed}"


# -- size and start-up ------------------------------------------------------------------------


def test_core_keeps_at_most_eight_modules_at_its_top() -> None:
    modules = sorted(p.name for p in (ROOT / "core").glob("*.py") if p.name != "__init__.py")
    assert len(modules) <= 8, f"core/ has {len(modules)} modules at its top: {modules}"


def test_help_imports_no_heavy_library() -> None:
    """`ingle --help` must start fast: none of the app's, the SDKs' or the parsers' imports."""
    ingle = Path(sys.executable).with_name("ingle")
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(
        [str(ingle), "--help"], capture_output=True, text=True, env=env, check=True, timeout=120
    )
    assert "ask" in done.stdout  # the real help, with its commands
    imported = {
        line.rpartition("|")[2].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "ingle.core.frontends.cli" in imported  # the listing is really there
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY)
    assert heavy == [], f"`ingle --help` imports {heavy}"


def test_a_chat_request_is_built_in_one_place() -> None:
    """Every request comes from core.backends.calls.chat_request (the persona's model,
    sampling and think policy), so no caller drifts from the persona it names."""
    builders = []
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id == "ChatRequest"):
                    builders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(builders) == 1 and builders[0].startswith("core/backends/calls.py:"), builders


def test_the_wheel_installs_one_namespace_with_its_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """setup.py maps every folder to ingle.<folder>, data-only folders included (the
    built-in personas and their examples): a plain `pip install .` must find them."""
    import runpy

    import setuptools

    captured: dict = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kwargs: captured.update(kwargs))
    monkeypatch.chdir(ROOT)
    runpy.run_path(str(ROOT / "setup.py"), run_name="__main__")
    packages = set(captured["packages"])
    assert {p.split(".")[0] for p in packages} == {"ingle"}
    assert captured["package_dir"] == {"ingle": "."}
    data_dirs = {
        path.parent.relative_to(ROOT).as_posix().replace("/", ".")
        for folder in FOLDERS
        for pattern in ("*.toml", "*.tcss", "*.scm")
        for path in (ROOT / folder).rglob(pattern)
    }
    assert "personas.builtin" in data_dirs
    missing = sorted(d for d in data_dirs if f"ingle.{d}" not in packages)
    assert missing == [], f"data folders left out of the wheel: {missing}"
