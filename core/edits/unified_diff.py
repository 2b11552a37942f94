"""Reading a unified diff (the format many models fall back to) as find/replace hunks."""

from __future__ import annotations


def looks_like_diff(body: list[str]) -> bool:
    return any(line.startswith("--- ") for line in body) and any(
        line.startswith("+++ ") for line in body
    ) and any(line.startswith("@@") for line in body)


def _diff_path(line: str) -> str | None:
    raw = line[4:].split("\t")[0].strip()
    if raw == "/dev/null":
        return None
    return raw[2:] if raw.startswith(("a/", "b/")) else raw


def parse_unified_diff(body: list[str]) -> list[tuple[str | None, list[str], list[str]]]:
    """(path, lines to find, lines to put) per hunk of a unified diff; [] if none."""
    hunks: list[tuple[str | None, list[str], list[str]]] = []
    path: str | None = None
    old_path: str | None = None
    search: list[str] | None = None
    replace: list[str] = []

    def close() -> None:
        if search is not None and (search or replace):
            hunks.append((path or old_path, list(search), list(replace)))

    for line in body:
        if line.startswith("--- ") and not line.startswith("--- -"):
            close()
            search, old_path = None, _diff_path(line)
        elif line.startswith("+++ "):
            path = _diff_path(line)
        elif line.startswith("@@"):
            close()
            search, replace = [], []
        elif search is None:
            continue
        elif line.startswith("-"):
            search.append(line[1:])
        elif line.startswith("+"):
            replace.append(line[1:])
        elif line.startswith("\\"):
            continue  # "\ No newline at end of file"
        else:
            text = line[1:] if line.startswith(" ") else line  # a blank context line
            search.append(text)
            replace.append(text)
    close()
    return hunks
