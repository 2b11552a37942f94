"""Token estimates per model, calibrated from the prompt token counts servers report.

Counting tokens exactly would need each model's tokenizer; Ingle estimates instead, from
characters per token. Every model starts from a prior and, after each call whose prompt the
server read whole, moves its ratio towards what the server counted (an exponentially
weighted mean, bounded). The safety margin the planner keeps on top of an estimate follows
how wrong the estimate has been, so it narrows as the calibration learns. What is learned
is stored (memory/token_calibration.py) and new engines start from it.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Sequence

from ingle.core.backends.accounting import (  # noqa: F401 (framing is part of this face)
    MESSAGE_OVERHEAD_TOKENS,
    REQUEST_OVERHEAD_TOKENS,
    framing_tokens,
)
from ingle.core.backends.types import ChatMessage, Usage
from ingle.memory.store import Store, now
from ingle.memory.token_calibration import TokenCalibration, load_calibration, save_calibration

log = logging.getLogger(__name__)

# Qwen/Llama BPE vocabularies pack about 4 characters a token in English prose and fewer
# in code; starting a little low errs towards sending less.
PRIOR_CHARS_PER_TOKEN = 3.5
PRIOR_ERROR = 0.08  # the prior's assumed relative error: a 16% margin before any call
MIN_CHARS_PER_TOKEN, MAX_CHARS_PER_TOKEN = 1.5, 8.0
# A reported count implying a ratio outside this range is not a tokenizer's doing (a prompt
# cache reporting only new tokens, a proxy rewriting the prompt): it is not learned from.
_PLAUSIBLE_RATIO = (1.0, 12.0)
_MIN_SAMPLE_CHARS = 200  # tiny prompts are dominated by the template's fixed tokens
_MIN_WEIGHT = 0.2  # the newest call's weight once a few have been seen
MARGIN_PER_ERROR = 2.0  # margin = twice the typical relative error ...
MIN_MARGIN, MAX_MARGIN = 0.03, 0.25  # ... within these bounds


def prior(model: str) -> TokenCalibration:
    return TokenCalibration(
        model=model, chars_per_token=PRIOR_CHARS_PER_TOKEN, error=PRIOR_ERROR, samples=0
    )


def message_chars(messages: Sequence[ChatMessage]) -> int:
    return sum(len(m.content) + len(m.thinking or "") for m in messages)


class TokenEstimator:
    """One model's estimate. Mutable: `observe` moves it; callers persist via TokenEstimators."""

    def __init__(self, calibration: TokenCalibration) -> None:
        self.calibration = calibration

    @property
    def model(self) -> str:
        return self.calibration.model

    @property
    def chars_per_token(self) -> float:
        return self.calibration.chars_per_token

    @property
    def samples(self) -> int:
        return self.calibration.samples

    @property
    def margin(self) -> float:
        """The fraction of an estimate kept spare for the estimate being wrong."""
        return min(max(MARGIN_PER_ERROR * self.calibration.error, MIN_MARGIN), MAX_MARGIN)

    def tokens(self, text: str) -> int:
        return math.ceil(len(text) / self.chars_per_token) if text else 0

    def chars_for(self, tokens: int) -> int:
        """About how many characters make `tokens` tokens (for cutting text to a size)."""
        return max(int(tokens * self.chars_per_token), 0)

    def messages_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """The estimate of a whole request: every message's text plus the template's framing."""
        return math.ceil(message_chars(messages) / self.chars_per_token) + framing_tokens(
            len(messages)
        )

    def observe(self, chars: int, message_count: int, reported_tokens: int) -> bool:
        """Learn from one call whose prompt of `chars` characters in `message_count`
        messages the server counted as `reported_tokens`. Returns whether it was used."""
        content_tokens = reported_tokens - framing_tokens(message_count)
        if chars < _MIN_SAMPLE_CHARS or content_tokens <= 0:
            return False
        observed = chars / content_tokens
        if not _PLAUSIBLE_RATIO[0] <= observed <= _PLAUSIBLE_RATIO[1]:
            return False
        old = self.calibration
        # A running mean for the first calls (the first replaces the prior, a mere guess),
        # then a fixed share for the newest, so the ratio follows a model whose use shifts.
        weight = max(1.0 / (old.samples + 1), _MIN_WEIGHT)
        ratio = (1 - weight) * old.chars_per_token + weight * observed
        # The error is measured before updating (how wrong the estimate in use was), and
        # not on the first call: the prior's miss says nothing about the calibrated estimate.
        error = old.error
        if old.samples > 0:
            miss = abs(content_tokens - chars / old.chars_per_token) / content_tokens
            error = (1 - weight) * old.error + weight * miss
        self.calibration = TokenCalibration(
            model=old.model,
            chars_per_token=min(max(ratio, MIN_CHARS_PER_TOKEN), MAX_CHARS_PER_TOKEN),
            error=error,
            samples=old.samples + 1,
            updated_at=now(),
        )
        return True


class TokenEstimators:
    """The estimators of the models an engine uses, loaded from the store on first use.

    One per engine (not global): a turn reads and updates them, the store keeps them."""

    def __init__(self, store: Store | None) -> None:
        self._store = store
        self._by_model: dict[str, TokenEstimator] = {}

    def for_model(self, model: str) -> TokenEstimator:
        estimator = self._by_model.get(model)
        if estimator is None:
            stored = load_calibration(self._store, model) if self._store is not None else None
            estimator = TokenEstimator(stored or prior(model))
            self._by_model[model] = estimator
        return estimator

    def observe(self, model: str, messages: Sequence[ChatMessage], usage: Usage) -> bool:
        """Calibrate `model` from a finished call; a truncated prompt teaches nothing
        (the server counted only what it kept)."""
        if usage.truncated or usage.prompt_tokens <= 0 or usage.estimated:
            return False  # an estimate calibrating the estimator would only echo itself
        estimator = self.for_model(model)
        if not estimator.observe(message_chars(messages), len(messages), usage.prompt_tokens):
            return False
        if self._store is not None:
            try:
                save_calibration(self._store, estimator.calibration)
            except sqlite3.Error as exc:  # the turn matters more than remembering this
                log.warning("could not store the token calibration of %s: %s", model, exc)
        return True
