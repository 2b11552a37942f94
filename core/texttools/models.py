"""What the text tools return: the answer and what it cost (`usage`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ingle.core.backends.meter import ToolUsage


class Classification(BaseModel):
    label: str = Field(description="one of the labels given, exactly as spelt")
    confidence: float = Field(ge=0, le=1, description="the model's own estimate; not calibrated")
    reason: str = Field(description="one short sentence")
    usage: ToolUsage


class Summary(BaseModel):
    summary: str
    words: int = Field(ge=0, description="words in the summary")
    within_limit: bool = Field(description="false when the model overran max_words")
    usage: ToolUsage


class Translation(BaseModel):
    translation: str
    target_language: str
    source_language: str = Field(description="as given, or 'auto' when the model detected it")
    usage: ToolUsage
