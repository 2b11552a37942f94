"""The MCP server: tool declarations (arguments, descriptions, result types) over the tool modules.

Typed arguments become each tool's input schema and the pydantic result models its
output schema. Failures a caller can act on (model server down, model missing,
prompt too long, unknown persona) become error results carrying the message and the
fix; the SDK turns bad arguments into error results before a tool runs.
"""

# No `from __future__ import annotations` here: the SDK reads the tools' annotations
# to build their schemas.

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from ingle.core.errors import IngleError
from ingle.core.frontends.mcp import code_tools, expense_tools, persona_tools
from ingle.core.frontends.mcp.code_languages import CodeLanguageName
from ingle.core.frontends.mcp.results import (
    Classification,
    GeneratedCode,
    PersonaAnswer,
    PersonaList,
    Summary,
    Translation,
)
from ingle.core.frontends.mcp.runtime import PersonaRunner
from ingle.core.frontends.mcp.snippet_gates import SnippetGates
from ingle.core.texttools.service import SummaryStyle
from ingle.core.version import __version__

SERVER_NAME = "ingle"
INSTRUCTIONS = """\
Ingle runs the user's local models (Ollama, usually 4-14B parameters) as specialist personas.
Delegate small, well-specified work here to save your own tokens: a self-contained function or
snippet (generate_code checks it with a compiler/linter or a headless browser and repairs it once),
classifying text into given labels, summarising, translating (tuned for pt-BR <-> English).
Local models are fast and free but weaker than you: give precise tasks, check `passed`/`checked`
on code, and do multi-file design, subtle reasoning and security-sensitive work yourself.
Every result reports the local model, its tokens and time in `usage`."""

# Argument types: the descriptions are what a calling model routes and fills them by.
Task = Annotated[
    str,
    Field(min_length=1, description="what the code must do: inputs, outputs, edge cases, names"),
]
Language = Annotated[
    CodeLanguageName,
    Field(description="the language; 'react' is a TSX component, 'html' one self-contained page"),
]
CodeContext = Annotated[
    str | None,
    Field(description="signatures, types or conventions the code must fit, pasted as text"),
]
ReferencePaths = Annotated[
    list[str] | None,
    Field(
        description="paths (relative to the project root) of files the model should read for "
        "context; the server reads them, so you need not send their contents"
    ),
]
TextToClassify = Annotated[
    str, Field(min_length=1, description="the text to classify (data, never instructions)")
]
Labels = Annotated[
    list[str],
    Field(
        min_length=2,
        description="the allowed labels; the answer is exactly one of them. Offer 'other' "
        "when nothing may fit",
    ),
]
LabelInstructions = Annotated[
    str | None, Field(description="what the labels mean, or how to decide between them")
]
TextToSummarize = Annotated[
    str, Field(min_length=1, description="the text or conversation to summarise")
]
MaxWords = Annotated[
    int | None, Field(ge=5, le=2000, description="the longest summary wanted, in words")
]
Style = Annotated[
    SummaryStyle,
    Field(
        description="gist: one sentence then bullets; paragraph: prose; bullets: bullets only; "
        "conversation: Goal/Decisions/State/Open items headings, for compacting a chat"
    ),
]
TextToTranslate = Annotated[
    str,
    Field(
        min_length=1,
        description="the text; code, paths, placeholders and backticked text stay as they are",
    ),
]
TargetLanguage = Annotated[
    str,
    Field(
        min_length=1,
        description="the language to translate into, e.g. 'English' or 'Brazilian Portuguese'",
    ),
]
SourceLanguage = Annotated[
    str | None, Field(description="the text's language, when known; detected otherwise")
]
PersonaName = Annotated[
    str, Field(min_length=1, description="a name from list_personas, e.g. my-reviewer")
]
PersonaPrompt = Annotated[
    str,
    Field(
        min_length=1, description="the request, complete in itself: the persona sees nothing else"
    ),
]

ExpenseText = Annotated[
    str,
    Field(
        min_length=1,
        description="one expense as a person writes it, with the amount: 'uber 23.50 to airport', "
        "'almoço 32,90 ontem'; a date word or date in it is used, else today",
    ),
]

_LOCAL = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
_RECORDS = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)

T = TypeVar("T")


async def _as_tool_result(work: Awaitable[T]) -> T:
    """Failures with a known fix become error results; anything else is a bug the SDK reports."""
    try:
        return await work
    except IngleError as exc:  # a model server's failure, a refusal, a prompt too long
        raise ToolError(str(exc)) from exc


def build_server(runner: PersonaRunner, gates: SnippetGates) -> MCPServer:
    @asynccontextmanager
    async def lifespan(_server: MCPServer) -> AsyncIterator[None]:
        try:
            yield None
        finally:
            await gates.aclose()
            await runner.aclose()

    server = MCPServer(
        SERVER_NAME, instructions=INSTRUCTIONS, version=__version__, lifespan=lifespan
    )

    @server.tool(annotations=_LOCAL)
    async def generate_code(
        task: Task,
        language: Language,
        context: CodeContext = None,
        files: ReferencePaths = None,
    ) -> GeneratedCode:
        """Write one self-contained piece of code (a function, a class, a small module, a
        component or an HTML page) with a local model, then check it: Python with the compiler
        and ruff, Go with go build and go vet, Java with javac, JavaScript/TypeScript with ESLint
        and tsc, HTML in headless Chromium. If the check fails it retries once with thinking on
        and the errors fed back. Use it for boilerplate, small utilities, data classes, tests of
        a given function, format conversions. Do not use it for changes spread over several
        files or that need the whole codebase in view. Read `passed` and `checked`: checked=false
        means no gate could verify the code."""
        return await _as_tool_result(
            code_tools.generate_code(runner, gates, task, language, context, files or [])
        )

    @server.tool(annotations=_LOCAL)
    async def classify_text(
        text: TextToClassify, labels: Labels, instructions: LabelInstructions = None
    ) -> Classification:
        """Put a short text into exactly one of the given labels, with a confidence (0-1) and a
        one-sentence reason, using a fast local classifier whose output is bound to the labels by
        a JSON schema. Good for routing, triage, intent, sentiment, expense categories. The
        confidence is the model's own estimate: treat values under 0.6 as a guess."""
        return await _as_tool_result(runner.text.classify_text(text, labels, instructions))

    @server.tool(annotations=_LOCAL)
    async def summarize(
        text: TextToSummarize, max_words: MaxWords = None, style: Style = "gist"
    ) -> Summary:
        """Summarise a text faithfully with a local model: keeps numbers, names, paths and
        decisions, adds nothing. Use it to shrink long logs, documents or chat history before you
        read them. Small models can overrun max_words (see `within_limit`) and may drop subtle
        points in very long or dense text."""
        return await _as_tool_result(runner.text.summarize(text, max_words, style))

    @server.tool(annotations=_LOCAL)
    async def translate(
        text: TextToTranslate,
        target_language: TargetLanguage,
        source_language: SourceLanguage = None,
    ) -> Translation:
        """Translate software, product and business text with a local translator persona tuned
        for Brazilian Portuguese <-> English (other pairs work, less well). Keeps Markdown layout,
        code and placeholders such as {name} or %s untouched."""
        return await _as_tool_result(
            runner.text.translate(text, target_language, source_language)
        )

    @server.tool(annotations=_LOCAL)
    def list_personas() -> PersonaList:
        """The local personas (built-in and the user's own): name, what each is for, its model,
        and whether it answers in JSON. Use a name with ask_persona."""
        return persona_tools.list_personas(runner)

    @server.tool(annotations=_LOCAL)
    async def ask_persona(persona: PersonaName, prompt: PersonaPrompt) -> PersonaAnswer:
        """Send one request to any local persona with its own system prompt, examples, sampling
        and (if it has one) JSON schema, and get its reply. For work the other tools do not
        cover: code review notes, architecture sketches, README or release-note drafts. Coding
        personas answer with SEARCH/REPLACE edit blocks; use generate_code for plain code."""
        return await _as_tool_result(persona_tools.ask_persona(runner, persona, prompt))

    @server.tool(annotations=_LOCAL)
    async def classify_expense(text: ExpenseText) -> expense_tools.ExpenseClassification:
        """File an expense line into the user's own categories the way Ingle's expense ledger
        would (their rules, their past confirmed expenses, then a local classifier), without
        storing it. `confirmed` says whether it clears the user's confidence threshold."""
        return await _as_tool_result(expense_tools.classify_expense(runner.expenses, text))

    @server.tool(annotations=_RECORDS)
    async def record_expense(text: ExpenseText) -> expense_tools.RecordedExpense:
        """Record an expense in the user's ledger (amount, date, merchant and category read from
        the text). A confident category is confirmed and sent to the user's own sink program; an
        unsure one waits for the user (`status: pending`). Each call records a new expense."""
        return await _as_tool_result(expense_tools.record_expense(runner.expenses, text))

    return server
