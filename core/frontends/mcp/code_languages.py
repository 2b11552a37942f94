"""The languages generate_code accepts: which persona writes each, how its fence is tagged,
and which snippet gate (validators/snippets.py) checks it.

Java/Go go to my-coder, the web stack to my-frontend, everything else to
my-generalist. React (TSX/JSX) and CSS have no snippet gate: TSX is not plain
TypeScript and a stylesheet alone has nothing to run.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

CodeLanguageName = Literal[
    "python", "go", "java", "javascript", "typescript", "react", "html", "css",
    "rust", "c", "cpp", "csharp", "kotlin", "ruby", "php", "shell", "sql",
]  # fmt: skip


class CodeLanguage(BaseModel):
    name: str
    display: str
    persona: str
    fence: str  # the tag the model is asked to use
    tags: frozenset[str]  # fence tags accepted as this language
    gate: str | None  # the language name check_snippet gates, or None


def _lang(name: str, display: str, persona: str, tags: str, gate: str | None) -> CodeLanguage:
    tag_list = tags.split()
    return CodeLanguage(
        name=name, display=display, persona=persona, fence=tag_list[0],
        tags=frozenset(tag_list), gate=gate,
    )  # fmt: skip


CODER, FRONTEND, GENERALIST = "my-coder", "my-frontend", "my-generalist"

LANGUAGES: dict[str, CodeLanguage] = {
    lang.name: lang
    for lang in (
        _lang("python", "Python", GENERALIST, "python py python3", "python"),
        _lang("go", "Go", CODER, "go golang", "go"),
        _lang("java", "Java", CODER, "java", "java"),
        _lang("javascript", "JavaScript", FRONTEND, "javascript js mjs node", "javascript"),
        _lang("typescript", "TypeScript", FRONTEND, "typescript ts", "typescript"),
        _lang("react", "React (TSX)", FRONTEND, "tsx jsx react typescript javascript", None),
        _lang("html", "HTML (one self-contained page)", FRONTEND, "html htm", "html"),
        _lang("css", "CSS", FRONTEND, "css", None),
        _lang("rust", "Rust", GENERALIST, "rust rs", None),
        _lang("c", "C", GENERALIST, "c h", None),
        _lang("cpp", "C++", GENERALIST, "cpp c++ cc cxx hpp", None),
        _lang("csharp", "C#", GENERALIST, "csharp cs c#", None),
        _lang("kotlin", "Kotlin", GENERALIST, "kotlin kt", None),
        _lang("ruby", "Ruby", GENERALIST, "ruby rb", None),
        _lang("php", "PHP", GENERALIST, "php", None),
        _lang("shell", "POSIX shell / Bash", GENERALIST, "bash sh shell zsh", None),
        _lang("sql", "SQL", GENERALIST, "sql", None),
    )
}
