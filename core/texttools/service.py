"""classify, summarise and translate: one persona call each, prompts in the persona's terms.

The MCP server's classify_text, summarize and translate tools are thin adapters over
`TextTools`; so can be a CLI command, a pane or a job step.

The request texts follow the shapes the personas' few-shot examples use ("Labels:" and
"Text:" for the classifier, "Summarise in at most N words." for the summariser), which
is how small models follow them best.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any, Literal

from ingle.core.backends.calls import PersonaCaller
from ingle.core.backends.errors import InvalidJsonReply
from ingle.core.backends.meter import UsageMeter
from ingle.core.errors import NotFound, UsageError
from ingle.core.texttools.models import Classification, Summary, Translation
from ingle.personas.registry import PersonaRegistry, UnknownPersona
from ingle.personas.resolved import ResolvedPersona

CLASSIFIER = "my-classifier"
SUMMARIZER = "my-summarizer"
TRANSLATOR = "my-translator"

# Classification and code run cold; the measured sweet spot for a label.
CLASSIFY_TEMPERATURE = 0.1
MAX_LABELS = 100

# A word has a letter or digit in it: bullets and heading marks are not words.
_WORD = re.compile(r"\w+(?:['’.-]\w+)*")

SummaryStyle = Literal["gist", "paragraph", "bullets", "conversation"]
STYLE_REQUESTS: dict[str, str] = {
    "gist": "",  # the persona's own default: a one-sentence gist, then bullets
    "paragraph": "Write one paragraph of plain prose, no bullets or headings.",
    "bullets": "Write bullets only, no opening sentence.",
    "conversation": "This is a conversation: summarise it for compaction, with the Goal, "
    "Decisions and changes, Current state and Open items headings.",
}

_CLASSIFICATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "label": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "reason": {"type": "string", "maxLength": 200},
    },
    "required": ["label", "confidence", "reason"],
    "additionalProperties": False,
}


def classification_schema(labels: Sequence[str]) -> dict[str, Any]:
    """The classifier's schema with `label` bound to exactly these labels."""
    schema = copy.deepcopy(_CLASSIFICATION_SCHEMA)
    schema["properties"]["label"]["enum"] = list(labels)
    return schema


def clean_labels(labels: Sequence[str]) -> list[str]:
    cleaned = [label.strip() for label in labels]
    if any(not label for label in cleaned):
        raise UsageError("labels: a label is empty", "give every label some text")
    duplicates = sorted({label for label in cleaned if cleaned.count(label) > 1})
    if duplicates:
        raise UsageError(
            f"labels: {', '.join(duplicates)} given more than once", "list each label once"
        )
    if len(cleaned) > MAX_LABELS:
        raise UsageError(
            f"labels: {len(cleaned)} labels; a small model chooses well among at most {MAX_LABELS}",
            "group the labels and classify in two steps",
        )
    return cleaned


class TextTools:
    """The text tools over the persona caller; personas are looked up by their role's name."""

    def __init__(
        self, caller: PersonaCaller, personas: PersonaRegistry, confidence_threshold: float
    ) -> None:
        self.caller = caller
        self.personas = personas
        # Below this, a classification climbs one rung (cascade.confidence_threshold).
        self.confidence_threshold = confidence_threshold

    def persona(self, name: str) -> ResolvedPersona:
        try:
            return self.personas.get(name)
        except UnknownPersona as exc:
            raise NotFound(str(exc), "call list_personas to see the names") from exc

    async def classify_text(
        self, text: str, labels: Sequence[str], instructions: str | None
    ) -> Classification:
        labels = clean_labels(labels)
        persona = self.persona(CLASSIFIER)
        meter = UsageMeter(persona.name)
        request = f"Labels: {', '.join(labels)}\n"
        if instructions and instructions.strip():
            request += f"Instructions: {instructions.strip()}\n"
        request += f"Text: {text}"
        schema = classification_schema(labels)
        messages = persona.chat_messages(request)
        reply: dict | None = None
        try:
            result = await self.caller.call(
                persona, messages, task_kind="mcp:classify_text", meter=meter,
                think=persona.think(), temperature=CLASSIFY_TEMPERATURE, json_schema=schema,
            )
            reply = result.parsed_json  # validated against the schema by collect()
        except InvalidJsonReply:
            reply = None
        if reply is None or reply["confidence"] < self.confidence_threshold:
            # The cascade's rule for structured answers: a broken or unsure answer climbs one
            # rung (thinking on, the persona's first fallback model); the surer answer wins.
            fallbacks = persona.persona.fallback_models
            try:
                second = await self.caller.call(
                    persona, messages, task_kind="mcp:classify_text", meter=meter,
                    think=persona.think(retry=True), temperature=CLASSIFY_TEMPERATURE,
                    json_schema=schema, model=fallbacks[0] if fallbacks else None,
                )
            except InvalidJsonReply:
                if reply is None:
                    raise
            else:
                if reply is None or second.parsed_json["confidence"] > reply["confidence"]:
                    reply = second.parsed_json
        return Classification(
            label=reply["label"],
            confidence=reply["confidence"],
            reason=reply["reason"],
            usage=meter.total(),
        )

    async def summarize(self, text: str, max_words: int | None, style: SummaryStyle) -> Summary:
        persona = self.persona(SUMMARIZER)
        meter = UsageMeter(persona.name)
        asks = [f"Summarise in at most {max_words} words." if max_words else "Summarise."]
        if STYLE_REQUESTS[style]:
            asks.append(STYLE_REQUESTS[style])
        result = await self.caller.call(
            persona, persona.chat_messages(" ".join(asks) + "\n\n" + text),
            task_kind="mcp:summarize", meter=meter, think=persona.think(),
        )
        summary = result.text.strip()
        words = len(_WORD.findall(summary))
        return Summary(
            summary=summary,
            words=words,
            within_limit=max_words is None or words <= max_words,
            usage=meter.total(),
        )

    async def translate(
        self, text: str, target_language: str, source_language: str | None
    ) -> Translation:
        persona = self.persona(TRANSLATOR)
        meter = UsageMeter(persona.name)
        source = (source_language or "").strip()
        target = target_language.strip()
        if not target:
            raise UsageError(
                "target_language is empty", "name the language, e.g. 'English' or 'pt-BR'"
            )
        ask = f"Translate into {target}" + (f" from {source}" if source else "") + ":"
        result = await self.caller.call(
            persona, persona.chat_messages(f"{ask}\n\n{text}"),
            task_kind="mcp:translate", meter=meter, think=persona.think(),
        )
        return Translation(
            translation=result.text.strip(),
            target_language=target,
            source_language=source or "auto",
            usage=meter.total(),
        )
