"""`[expenses]` settings: the currency, the classifier persona, when to ask, where expenses go."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SENSITIVE: dict[str, Any] = {"sensitive": True}


class ExpenseSinkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The user's own program: each confirmed expense arrives as one JSON line on its stdin.
    # A command: only the user's config (or a trusted repository's) may set it.
    command: list[str] = Field(default_factory=list, json_schema_extra=SENSITIVE)
    timeout_s: float = Field(30.0, gt=0, le=600)


class ExpenseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field("USD", min_length=3, max_length=3, description="ISO code for amounts without one")
    persona: str = Field("my-bookkeeper", description="the classifier persona")
    model: str | None = Field(None, description="the classifier's model (default: the persona's)")
    confidence_threshold: float = Field(
        0.8, ge=0, le=1, description="below this a classification waits for the user"
    )
    learn_after: int = Field(
        2, ge=1, le=10, description="consistent corrections of a merchant that make a learned rule"
    )
    day_first: bool = Field(True, description="read 03/04 as 3 April (False: March 4)")
    sink: ExpenseSinkSettings = Field(default_factory=ExpenseSinkSettings)
