"""generate_code: the language's coder persona writes it, the snippet gates check it,
and one retry with thinking on repairs it from the gates' own diagnostics.

The coder personas normally answer with SEARCH/REPLACE edits against repository
files; here there is no file, so their FORMAT section is swapped for "the complete
code in one fenced block" and their edit-format examples are left out (they would
teach the wrong shape). Role and constraints stay as the user configured them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage
from ingle.core.frontends.mcp.code_blocks import extract_code
from ingle.core.frontends.mcp.code_languages import LANGUAGES, CodeLanguage
from ingle.core.frontends.mcp.reference_files import ReferenceFile, read_reference_files
from ingle.core.backends.meter import UsageMeter
from ingle.core.frontends.mcp.results import GateReport, GeneratedCode
from ingle.core.frontends.mcp.runtime import DelegationRefused, PersonaRunner
from ingle.core.frontends.mcp.snippet_gates import SnippetGates
from ingle.personas.prompt import build_chat_messages, render_system_prompt
from ingle.personas.resolved import ResolvedPersona
from ingle.validators.results import GateResult, GateStatus

CODE_TEMPERATURE = 0.1
MAX_REPAIR_DIAGNOSTICS = 20
TASK_KIND = "mcp:generate_code"


def code_only_format(language: CodeLanguage) -> str:
    return (
        f"Reply with the complete {language.display} code in exactly one fenced block tagged "
        f"```{language.fence}. No SEARCH/REPLACE blocks and no file path line. Write whole "
        "definitions, never elide code with comments such as '... rest unchanged'. Outside the "
        "block, at most one short sentence, and only if something must be said."
    )


def code_messages(
    persona: ResolvedPersona,
    language: CodeLanguage,
    task: str,
    context: str | None,
    files: Sequence[ReferenceFile],
) -> list[ChatMessage]:
    system = render_system_prompt(
        persona.persona.model_copy(update={"format": code_only_format(language)})
    )
    parts = [f"Write {language.display} code for this task.", "", "Task:", task.strip()]
    if context and context.strip():
        parts += ["", "Context:", context.strip()]
    for ref in files:
        parts += ["", f"Reference file (read-only) {ref.path}:", _fenced(ref.content)]
    prompt = build_chat_messages(system, [], "\n".join(parts))
    return [ChatMessage(role=m.role, content=m.content) for m in prompt]


def _fenced(content: str) -> str:
    fence = "```"
    while fence in content:  # a file that itself holds fences needs a longer one
        fence += "`"
    return f"{fence}\n{content.rstrip()}\n{fence}"


def repair_request(language: CodeLanguage, code: str, results: Sequence[GateResult]) -> str:
    """What goes back after a failure: the tool's own words, terse, with exact places."""
    if not code:
        return (
            "Your reply held no code. Reply with the complete code in one fenced block "
            f"tagged ```{language.fence}."
        )
    lines = ["Checking your code found errors. The snippet's lines are numbered from 1.", ""]
    shown = 0
    for result in results:
        if result.status is not GateStatus.FAILED:
            continue
        lines.append(f"{result.gate} ({result.detail or 'check'}):")
        for diagnostic in result.errors[: MAX_REPAIR_DIAGNOSTICS - shown]:
            lines.append(f"  {diagnostic.one_line()}")
            shown += 1
    lines += [
        "",
        f"Fix every error and reply with the complete corrected code in one ```{language.fence} block.",
    ]
    return "\n".join(lines)


def gate_report(result: GateResult) -> GateReport:
    return GateReport(
        gate=result.gate,
        status=result.status.value,
        detail=result.detail,
        diagnostics=[d.one_line() for d in result.diagnostics],
        install_hint=result.install_hint,
    )


class _Attempt:
    def __init__(self, reply: str, language: CodeLanguage) -> None:
        extracted = extract_code(reply, language.tags, shell=language.name == "shell")
        self.reply = reply
        self.code = extracted.code
        self.notes = extracted.notes
        self.results: list[GateResult] = []

    @property
    def failed(self) -> bool:
        return not self.code or any(r.status is GateStatus.FAILED for r in self.results)


async def generate_code(
    runner: PersonaRunner,
    gates: SnippetGates,
    task: str,
    language_name: str,
    context: str | None,
    file_paths: Sequence[str],
) -> GeneratedCode:
    language = LANGUAGES[language_name]
    if not task.strip():
        raise DelegationRefused("task is empty", "say what the code should do")
    files = read_reference_files(file_paths, runner.workspace)
    persona = runner.persona(language.persona)
    meter = UsageMeter(persona.name)
    messages = code_messages(persona, language, task, context, files)

    first = await _attempt(runner, gates, persona, language, messages, meter, think=persona.think())
    final, attempts = first, 1
    if first.failed:
        repair = [
            *messages,
            ChatMessage(role="assistant", content=first.reply),
            ChatMessage(role="user", content=repair_request(language, first.code, first.results)),
        ]
        try:
            final = await _attempt(
                runner, gates, persona, language, repair, meter, think=persona.think(retry=True)
            )
            attempts = 2
        except BackendError as exc:  # keep the first answer: it is still worth something
            meter.note(f"the retry failed, so this is the first attempt's code: {exc}")

    failed = any(r.status is GateStatus.FAILED for r in final.results)
    checked = any(r.status in (GateStatus.PASSED, GateStatus.FAILED) for r in final.results)
    return GeneratedCode(
        code=final.code,
        language=language.name,
        passed=bool(final.code) and not failed,
        checked=checked,
        attempts=attempts,
        gates=[gate_report(r) for r in final.results],
        notes=final.notes,
        usage=meter.total(),
    )


async def _attempt(
    runner: PersonaRunner,
    gates: SnippetGates,
    persona: ResolvedPersona,
    language: CodeLanguage,
    messages: list[ChatMessage],
    meter: UsageMeter,
    *,
    think: bool | str,
) -> _Attempt:
    result = await runner.caller.call(
        persona, messages, task_kind=TASK_KIND, meter=meter, think=think,
        temperature=CODE_TEMPERATURE,
    )
    attempt = _Attempt(result.text, language)
    if attempt.code and language.gate is not None:
        attempt.results.append(await gates.check(language.gate, attempt.code))
    return attempt
