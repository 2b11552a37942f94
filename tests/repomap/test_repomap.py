"""The repo map end to end on real git repositories: ranking, budget, files, cache, CLI."""

from __future__ import annotations

import multiprocessing
import os
import textwrap
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import git
import pytest

from ingle.core.frontends.cli import main
from ingle.core.repomap.files import RepoFilesError, list_source_files
from ingle.core.repomap.languages import Grammars
from ingle.core.repomap.parse import parse_chunk, parse_sources
from ingle.core.repomap.render import estimate_tokens
from ingle.core.repomap.tags import TAGS_FORMAT
from ingle.core.repomap.map import RepoMap, identifiers_in, map_budget_for
from ingle.memory.store import Store
from ingle.memory.tag_cache import TagCache

FILES: dict[str, str] = {
    "app/main.py": """
        from app.settings import load_settings
        from app.render import Renderer

        def start():
            settings = load_settings()
            return Renderer(settings).draw()
        """,
    "app/settings.py": """
        class Settings:
            pass

        def load_settings():
            return Settings()
        """,
    "app/render.py": """
        class Renderer:
            def __init__(self, settings):
                self.settings = settings

            def draw(self):
                return paint_canvas(self.settings)

        def paint_canvas(settings):
            return settings
        """,
    "tools/widgets.py": """
        def frobnicate_widgets(count):
            return count
        """,
    "tools/cli.py": """
        from tools.widgets import frobnicate_widgets

        def run_tool():
            return frobnicate_widgets(3)
        """,
    "web/shop.ts": """
        export interface Basket { items: string[] }
        export function checkout(basket: Basket): number { return basket.items.length; }
        """,
    "engine/core.go": """
        package engine

        func Tick(n int) int { return n + 1 }
        """,
    "engine/lib.rs": """
        pub fn spin(n: u32) -> u32 { n }
        """,
    "native/shop.c": """
        int restock(int n) { return n; }
        """,
    "README.md": "# not source: never in the map\n",
}


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"))


def _commit_all(root: Path) -> git.Repo:
    repo = git.Repo.init(root)
    repo.git.add("-A")
    actor = git.Actor("Test", "test@example.com")
    repo.index.commit("fixture", author=actor, committer=actor)
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    _write(root, FILES)
    _commit_all(root)
    return root


@pytest.fixture
def store(ingle_home: Path) -> Iterator[Store]:
    with Store(ingle_home / "data" / "ingle.db") as opened:
        yield opened


def test_map_shows_signatures_and_leaves_chat_files_out(repo: Path) -> None:
    result = RepoMap(repo, None).build({"app/main.py"}, set(), 1000)
    assert "app/main.py" not in result.text
    assert "app/settings.py:\n│class Settings:\n⋮\n│def load_settings():\n⋮\n" in result.text
    assert "│class Renderer:" in result.text
    assert "README.md" not in result.text
    assert result.files_total == 9  # the README is not source
    assert result.tokens == estimate_tokens(result.text)


def test_ranking_favours_files_the_chat_files_use(repo: Path) -> None:
    result = RepoMap(repo, None).build({"app/main.py"}, set(), 1000)
    assert set(result.files_ranked[:2]) == {"app/settings.py", "app/render.py"}


def test_ranking_favours_files_named_in_the_message(repo: Path) -> None:
    mapper = RepoMap(repo, None)
    plain = mapper.build(set(), set(), 1000)
    asked = mapper.build(set(), identifiers_in("why does frobnicate_widgets fail?"), 1000)
    assert plain.files_ranked[0] != "tools/widgets.py"
    assert asked.files_ranked[0] == "tools/widgets.py"


def test_the_same_request_gives_the_same_map_whatever_came_before(repo: Path) -> None:
    fresh = RepoMap(repo, None).build({"app/main.py"}, {"paint_canvas"}, 300)
    used = RepoMap(repo, None)
    used.build({"app/main.py"}, set(), 300)
    used.build({"tools/cli.py"}, {"Settings"}, 300)
    assert used.build({"app/main.py"}, {"paint_canvas"}, 300).text == fresh.text


def test_budget_is_respected_at_every_size(repo: Path) -> None:
    mapper = RepoMap(repo, None)
    sizes = []
    for budget in (1, 10, 20, 40, 80, 160, 5000):
        result = mapper.build(set(), set(), budget)
        assert result.tokens <= budget
        assert estimate_tokens(result.text) <= budget
        sizes.append(len(result.files_ranked))
    assert sizes == sorted(sizes) and sizes[0] == 0 and sizes[-1] == 9


def test_a_custom_token_estimator_is_used(repo: Path) -> None:
    def words(text: str) -> int:
        return len(text.split())

    result = RepoMap(repo, None, estimate=words).build(set(), set(), 12)
    assert 0 < words(result.text) <= 12
    assert result.tokens == words(result.text)


def test_gitignore_is_respected_and_untracked_files_count(repo: Path) -> None:
    (repo / ".gitignore").write_text("generated/\n*.min.js\n")
    _write(
        repo,
        {
            "generated/api.py": "def generated_call():\n    pass\n",
            "web/app.min.js": "function minified(){}\n",
            "app/new_module.py": "def brand_new():\n    pass\n",  # untracked, not ignored
        },
    )
    paths = {f.path for f in list_source_files(repo)}
    assert "app/new_module.py" in paths
    assert "generated/api.py" not in paths and "web/app.min.js" not in paths
    text = RepoMap(repo, None).build(set(), set(), 5000).text
    assert "brand_new" in text and "generated_call" not in text


def test_outside_git_a_walk_skips_dependencies_and_builds(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "src/app.py": "def app():\n    pass\n",
            "node_modules/lib/index.js": "function dep(){}\n",
            "build/out.py": "def built():\n    pass\n",
            "env1/lib/site.py": "def venv_file():\n    pass\n",
            "env1/pyvenv.cfg": "home = /usr\n",
        },
    )
    assert [f.path for f in list_source_files(tmp_path)] == ["src/app.py"]


def test_huge_and_binary_files_are_skipped(repo: Path) -> None:
    (repo / "big.py").write_text("x = 1\n" * 200_000)  # 1.2 MB
    (repo / "blob.py").write_bytes(b"def looks_like_code():\n\0\0\0binary\n")
    result = RepoMap(repo, None).build(set(), set(), 5000)
    assert "big.py" not in {f.path for f in list_source_files(repo)}
    assert "looks_like_code" not in result.text
    assert result.parse_errors == []


def test_not_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RepoFilesError, match="not a directory"):
        RepoMap(tmp_path / "missing", None).build(set(), set(), 100)


def test_cache_hit_across_processes_and_invalidation(repo: Path, store: Store) -> None:
    first = RepoMap(repo, store).build(set(), set(), 1000)
    assert (first.files_parsed, first.files_cached) == (9, 0)

    # A new RepoMap (as in a new process) reads tags from the database, parses nothing.
    again = RepoMap(repo, store).build(set(), set(), 1000)
    assert (again.files_parsed, again.files_cached) == (0, 9)
    assert again.text == first.text

    # mtime changes, size the same: parsed again.
    target = repo / "app/settings.py"
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert RepoMap(repo, store).build(set(), set(), 1000).files_parsed == 1

    # Size changes, mtime put back to what the cache holds: parsed again, new tags seen.
    stat = target.stat()
    target.write_text(target.read_text() + "\ndef load_profile():\n    pass\n")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = RepoMap(repo, store).build(set(), set(), 5000)
    assert changed.files_parsed == 1 and "def load_profile():" in changed.text

    # A deleted file leaves the map and the cache.
    (repo / "engine/lib.rs").unlink()
    gone = RepoMap(repo, store).build(set(), set(), 5000)
    assert gone.files_total == 8 and "engine/lib.rs" not in gone.text
    assert TagCache(store, repo, TAGS_FORMAT).count() == 8


def test_in_process_cache_needs_no_database(repo: Path) -> None:
    mapper = RepoMap(repo, None)
    assert mapper.build(set(), set(), 500).files_parsed == 9
    assert mapper.build({"app/main.py"}, {"Renderer"}, 500).files_parsed == 0
    (repo / "tools/cli.py").write_text("def run_tool():\n    return 0\n")
    assert mapper.build(set(), set(), 500).files_parsed == 1


def test_a_failing_cache_is_reported_and_the_map_still_built(repo: Path, store: Store) -> None:
    store.db["repo_tags"].drop()  # e.g. a database from a broken downgrade
    mapper = RepoMap(repo, store)
    result = mapper.build({"app/main.py"}, set(), 1000)
    assert "│def load_settings():" in result.text
    assert len(result.notes) == 1 and "tag cache" in result.notes[0]
    assert "no such table" in result.notes[0]
    # Later builds run from memory without repeating the complaint.
    assert mapper.build(set(), set(), 1000).notes == []


def test_outlines_missing_from_the_cache_are_parsed_again(repo: Path, store: Store) -> None:
    RepoMap(repo, store).build(set(), set(), 1000)
    mapper = RepoMap(repo, store)
    mapper.build(set(), set(), 1)  # tags loaded from the database, almost no outlines
    cache = TagCache(store, repo, TAGS_FORMAT)
    cache.forget(row.path for row in cache.load())  # e.g. another Ingle dropped them
    text = mapper.build(set(), set(), 5000).text
    assert "│def frobnicate_widgets(count):" in text
    assert "\n│\n" not in text  # no definition line rendered without its text


def test_rows_of_another_tags_format_are_not_used(repo: Path, store: Store) -> None:
    RepoMap(repo, store).build(set(), set(), 100)
    assert len(TagCache(store, repo, TAGS_FORMAT).load()) == 9
    assert TagCache(store, repo, TAGS_FORMAT + 1).load() == []


def test_worker_processes_give_the_same_tags(repo: Path) -> None:
    files = list_source_files(repo)
    in_process = parse_sources(repo, files, Grammars(), workers=1)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        in_worker = pool.submit(parse_chunk, str(repo), files).result()
    assert in_worker == in_process
    shared = parse_sources(repo, files, Grammars(), workers=2)
    assert sorted(shared, key=lambda p: p.path) == in_process


def test_identifiers_in_a_message() -> None:
    found = identifiers_in("Please make RepoMap.build faster in parse_config, and the file")
    assert {"RepoMap", "Repo", "Map", "build", "parse_config", "parse", "config"} <= found
    assert not {"the", "file", "in", "Please", "and"} & found


def test_budget_follows_the_context_window() -> None:
    assert map_budget_for(4096) == 512
    assert map_budget_for(16384) == 2048
    assert map_budget_for(1024) == 256
    assert map_budget_for(262144) == 4096


def test_ingle_map_prints_the_map_and_a_summary(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo / "app")
    assert main(["map", "--tokens", "400", "main.py", "-m", "where is paint_canvas"]) == 0
    out, err = capsys.readouterr()
    assert "app/render.py:" in out and "app/main.py" not in out
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("map: ") and "9 source files, 9 parsed, 0 cached" in summary

    assert main(["map", "--tokens", "400", "main.py"]) == 0
    assert "0 parsed, 9 cached" in capsys.readouterr().err


def test_ingle_map_refuses_files_outside_the_repository(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere.py"
    outside.write_text("x = 1\n")
    monkeypatch.chdir(repo)
    assert main(["map", str(outside)]) == 2
    assert "not inside the repository" in capsys.readouterr().err
    assert main(["map", "app/nope.py"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_ingle_map_with_repo_takes_files_relative_to_it(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["map", "--repo", str(repo), "--tokens", "300", "app/main.py"]) == 0
    out = capsys.readouterr().out
    assert "app/settings.py:" in out and "app/main.py" not in out
