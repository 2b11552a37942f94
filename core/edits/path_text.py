"""Recognising file paths in a model's reply text.

Local models decorate paths every way markdown allows: `**src/app.py**`, `` `app.py`: ``,
`### File: src/app.py`, ```` ```python src/app.py ````. This module strips that
decoration and decides whether what is left looks like a path. It is deliberately
liberal with a line that holds nothing but one token: a hostile path such as
`/etc/passwd` or `..\\..\\x` must be *captured* (and then refused by
`core.edits.paths`), never skipped so that the block silently falls back to the
previous block's file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Names without an extension that are still obviously files.
KNOWN_FILENAMES = frozenset(
    {
        "Makefile", "makefile", "GNUmakefile", "Dockerfile", "Containerfile", "Justfile",
        "justfile", "Rakefile", "Gemfile", "Procfile", "Vagrantfile", "Jenkinsfile",
        "LICENSE", "LICENCE", "README", "NOTICE", "CHANGELOG", "AUTHORS", "CODEOWNERS",
        "BUILD", "WORKSPACE", "Pipfile", "Brewfile", "Caddyfile",
    }
)  # fmt: skip

# Extensions that make a bare word in prose a file reference (`see utils.py`).
SOURCE_EXTENSIONS = frozenset(
    """py pyi js mjs cjs jsx ts tsx mts cts go rs java kt kts scala c h cc cpp cxx hpp hh hxx
    cs fs swift m mm rb php pl pm lua r dart ex exs erl hrl hs ml mli clj cljs el vim zig nim
    sh bash zsh fish ps1 bat sql html htm css scss sass less vue svelte astro md mdx rst txt
    toml yaml yml json jsonc ini cfg conf env xml csv proto graphql gql gradle cmake mk lock
    tf hcl nix ipynb tex properties editorconfig gitignore dockerignore""".split()  # noqa: SIM905 - a word list reads better
)

_LEADING_MARKUP = re.compile(
    r"^(?:#{1,6}\s+|[-*+]\s+|\d{1,3}[.)]\s+|>\s*)+"  # heading, bullet, numbered item, quote
)
_LABEL = re.compile(
    r"^(?:(?:new|updated|modified|changed|edited|create|update)\s+)?"
    r"(?:file\s*name|file\s*path|file|path)\s*[:=\-]\s*",
    re.IGNORECASE,
)
_WRAPPERS = ("**", "__", "`", "*", '"', "'")
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>|"?*]')
_EXT = re.compile(r"\.[A-Za-z0-9_+\-]{1,12}$")
_CODE_CHARS = re.compile(r"[(),=;{}]")
_INLINE_CODE = re.compile(r"`([^`\n]{1,300})`|\*\*([^*\n]{1,300})\*\*")
_TRAILING_PUNCT = ".,:;!?)]}'\""
_LEADING_PUNCT = "([{'\""


def strip_decoration(text: str) -> tuple[str, bool]:
    """Remove markdown around a path. Returns (text, was_wrapped_in_quotes_or_code)."""
    s = _LEADING_MARKUP.sub("", text.strip())
    s = _LABEL.sub("", s)
    wrapped = False
    for _ in range(6):  # a few rounds: `**`src/x.py`**:` nests wrappers and colons
        before = s
        s = s.strip().rstrip(":").strip()
        for w in _WRAPPERS:
            if len(s) > 2 * len(w) and s.startswith(w) and s.endswith(w):
                s = s[len(w) : -len(w)]
                wrapped = wrapped or w in ("`", '"', "'")
        if s == before:
            break
    return s.replace("\\_", "_").strip(), wrapped


def is_path_token(token: str, *, allow_spaces: bool = False) -> bool:
    """Does this single token look like a file path (hostile ones included)?"""
    if not token or len(token) > 1024 or token.startswith(("```", "~~~", "<<<", ">>>", "===")):
        return False
    if "://" in token or _FORBIDDEN.search(token):
        return False
    if not allow_spaces and any(ch.isspace() for ch in token):
        return False
    if "/" in token or "\\" in token:
        # Needs at least one real name, not just separators and dots.
        return any(part.strip(". ") for part in re.split(r"[/\\]", token))
    if token in KNOWN_FILENAMES:
        return True
    if _CODE_CHARS.search(token) or token.endswith("."):
        return False
    ext = _EXT.search(token)
    if ext is None:
        return False
    if ext.start() == 0:  # ".gitignore", ".env"
        return token[1:].replace("-", "").replace("_", "").isalnum()
    return any(ch.isalpha() or ch == "_" for ch in token)  # not "1.2"


def path_from_line(line: str, *, strict: bool) -> str | None:
    """The path a line names. Strict: the line must be the path (decorated or not).
    Lenient: also take the first inline-code/bold path in a prose line such as
    "Changes to `src/app.py`:"."""
    cleaned, wrapped = strip_decoration(line)
    if is_path_token(cleaned, allow_spaces=wrapped):
        return cleaned
    if strict:
        return None
    # "Update `utils.py` to use the helper in `app.py`:" is about the first file named.
    found = _inline_paths(line)
    if found:
        return found[0]
    # "Update src/app.py:" - a bare token ending the line with a colon.
    stripped = line.strip()
    if stripped.endswith(":"):
        last = stripped[:-1].split()[-1:] if stripped[:-1].split() else []
        if last and _is_prose_file(last[0].strip(_LEADING_PUNCT)):
            return last[0].strip(_LEADING_PUNCT)
    return None


def path_in_fence_info(info: str) -> str | None:
    """A path given on the opening fence: ```python src/x.py, ```src/x.py, ```py:src/x.py,
    ```js title="src/x.js"."""
    for raw in re.split(r"[\s]+", info.strip()):
        token = (
            raw.split("=", 1)[1] if raw.lower().startswith(("title=", "file=", "path=")) else raw
        )
        for part in [token, *token.split(":", 1)[1:]]:
            candidate = part.strip("\"'`")
            if (
                candidate
                and ("/" in candidate or _EXT.search(candidate))
                and is_path_token(candidate)
            ):
                return candidate
    return None


def paths_in_prose(line: str) -> list[str]:
    """File references in a prose line: inline code/bold paths and bare words with a
    source extension (`see utils.py`). Noise is fine here; callers intersect the result
    with the repository's real files."""
    found = list(_inline_paths(line))
    for word in line.split():
        word = word.strip(_LEADING_PUNCT).rstrip(_TRAILING_PUNCT).strip("`*")
        if _is_prose_file(word) and word not in found:
            found.append(word)
    return found


def _inline_paths(line: str) -> list[str]:
    out: list[str] = []
    for m in _INLINE_CODE.finditer(line):
        token = (m.group(1) or m.group(2) or "").strip().rstrip(":")
        if _is_prose_file(token) or (is_path_token(token) and ("/" in token or "\\" in token)):
            out.append(token)
    return out


def _is_prose_file(word: str) -> bool:
    if not is_path_token(word):
        return False
    name = re.split(r"[/\\]", word)[-1]
    if name in KNOWN_FILENAMES:
        return True
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    return ext.lower() in SOURCE_EXTENSIONS


class KnownPaths:
    """The repository's files (and the chat's), so that a line naming one is a path even
    when nothing else says so: `Makefile`, `deploy`, `configure`, a temp name without an
    extension, `my notes.txt` with a space. A bare word is only taken when it names a
    file that exists, never guessed."""

    def __init__(self, paths: Iterable[str] = ()) -> None:
        self.paths = {p.replace("\\", "/").removeprefix("./") for p in paths if p}
        self.names = {p.rsplit("/", 1)[-1] for p in self.paths}

    def match(self, line: str) -> str | None:
        """The path a line names when the line is one known file (decorated or not)."""
        if not self.paths:
            return None
        cleaned, _ = strip_decoration(line)
        cleaned = cleaned.replace("\\", "/").removeprefix("./")
        if cleaned in self.paths or cleaned in self.names:
            return cleaned
        return None


def spaced_name_hint(line: str) -> str | None:
    """When a line looks like a file name with spaces written bare (`my notes.py`), how to
    write it so it reads as one path; None otherwise."""
    cleaned, wrapped = strip_decoration(line)
    words = cleaned.split()
    if wrapped or not 2 <= len(words) <= 4 or _EXT.search(words[-1]) is None:
        return None
    if not is_path_token(cleaned, allow_spaces=True) or _CODE_CHARS.search(cleaned):
        return None
    if not _is_prose_file(words[-1].rsplit("/", 1)[-1].split()[-1]):
        return None
    return (
        f"the line '{cleaned}' looks like a file name with spaces: write the path alone on "
        f"the line above the block, in backticks, exactly like this: `{cleaned}`"
    )


_BARE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$")


def quoted_bare_name(line: str) -> str | None:
    """A name without an extension written alone in backticks (`deploy`): above an edit
    block, the explicit way to name a new file that has no extension."""
    stripped = line.strip()
    if not (len(stripped) > 2 and stripped[0] == stripped[-1] == "`" and stripped.count("`") == 2):
        return None
    name = stripped[1:-1].strip()
    return name if _BARE_NAME.match(name) else None


def bare_name_hint(line: str) -> str | None:
    """When the line above a block is one bare word that is no file here (`deploy` for a
    file to create), how to write it so it reads as a path; None otherwise."""
    cleaned, wrapped = strip_decoration(line)
    if wrapped or not _BARE_NAME.match(cleaned) or _EXT.search(cleaned):
        return None
    return (
        f"'{cleaned}' is not a file in the repository; to create a file whose name has no "
        f"extension, write the name alone on the line above the block, in backticks, exactly "
        f"like this: `{cleaned}`"
    )
