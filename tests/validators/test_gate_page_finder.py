"""Which pages the browser gate loads for changed pages, scripts and modules."""

from __future__ import annotations

import os
from pathlib import Path

from ingle.validators.page_finder import pages_for


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_changed_page_is_loaded_itself(tmp_path: Path) -> None:
    _write(tmp_path, {"index.html": "<p>x</p>"})
    assert pages_for(["index.html"], tmp_path) == ["index.html"]


def test_a_script_is_checked_through_the_pages_that_load_it(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "index.html": '<script src="js/app.js"></script>',
            "about.html": "<p>no scripts</p>",
            "js/app.js": "",
            "node_modules/pkg/demo.html": '<script src="app.js"></script>',
        },
    )
    assert pages_for(["js/app.js"], tmp_path) == ["index.html"]


def test_a_module_is_found_through_the_modules_that_import_it(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "game.html": '<script type="module" src="main.mjs"></script>',
            "main.mjs": 'import { step } from "./physics.mjs";',
            "physics.mjs": "export function step() {}",
        },
    )
    assert pages_for(["physics.mjs"], tmp_path) == ["game.html"]


def test_symlinked_directories_are_searched_once(tmp_path: Path) -> None:
    """A candidate tree links unchanged directories into the repository."""
    repo, view = tmp_path / "repo", tmp_path / "view"
    _write(repo, {"site/index.html": '<script src="../app.js"></script>'})
    view.mkdir()
    os.symlink(repo / "site", view / "site")
    os.symlink(view, view / "site-loop")  # a link cycle must not hang the search
    (view / "app.js").write_text("")
    assert pages_for(["app.js"], view) == ["site/index.html"]
