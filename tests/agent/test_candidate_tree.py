"""The candidate tree shows edits in place without touching or copying the repository."""

from __future__ import annotations

from pathlib import Path

from ingle.core.agent.candidate_tree import candidate_tree


def make_repo(root: Path) -> None:
    for rel, text in {
        "go.mod": "module x\n",
        "pkg/a.go": "package pkg\n",
        "pkg/b.go": "package pkg\n// b\n",
        "web/index.html": "<script src=app.js></script>",
        "web/app.js": "let a = 1;\n",
        ".git/HEAD": "ref: refs/heads/main\n",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_changed_files_are_real_and_the_rest_links_to_the_repo(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo)
    edits = {"pkg/a.go": "package pkg\n// edited\n", "pkg/new/c.go": "package new\n"}
    with candidate_tree(repo, edits) as view:
        assert (view / "pkg/a.go").read_text() == "package pkg\n// edited\n"
        assert not (view / "pkg/a.go").is_symlink()
        assert (view / "pkg/new/c.go").read_text() == "package new\n"
        assert (view / "pkg/b.go").is_symlink() and (view / "pkg/b.go").read_text().endswith("// b\n")
        assert (view / "web").is_symlink() and (view / "web/app.js").read_text() == "let a = 1;\n"
        assert (view / "go.mod").is_symlink()
        assert not (view / ".git").exists()
        # Writing the candidate never reaches the repository.
        (view / "pkg/a.go").write_text("changed in view")
        kept = view
    assert (repo / "pkg/a.go").read_text() == "package pkg\n"
    assert not (repo / "pkg/new").exists()
    assert not kept.exists()


def test_crlf_content_is_written_byte_for_byte(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    with candidate_tree(repo, {"a.txt": "one\r\ntwo\r\n"}) as view:
        assert (view / "a.txt").read_bytes() == b"one\r\ntwo\r\n"
