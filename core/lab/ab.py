"""Blind A/B: the same prompt to two persona versions or models, the answers shown in a
random order with their labels hidden until the user picks; the pick is stored as a
preference with the prompt's tag, and `elo` turns the stored picks into per-tag ratings.

A contestant is `PERSONA[@VERSION][+MODEL]`: `my-coder@2`, or `my-coder+qwen3:14b` for the
same persona on another model.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

from pydantic import BaseModel, Field

from ingle.memory.persona_preferences import Preference, Winner

ELO_START = 1000.0
ELO_K = 32.0
MODEL_SEPARATOR = "+"


class Answer(BaseModel):
    contestant: str
    text: str
    thinking: str = ""
    output_tokens: int = 0
    seconds: float = 0.0


class Trial(BaseModel):
    """Answers in the order shown (1, 2); `swapped` says whether 1 is the right contestant."""

    tag: str
    prompt: str
    left: str
    right: str
    shown: list[Answer]
    swapped: bool

    def winner_of(self, pick: str) -> Winner:
        """The stored winner for a pick of the shown answers: "1", "2" or "tie"."""
        if pick == "tie":
            return "tie"
        first_is_left = not self.swapped
        return "left" if (pick == "1") == first_is_left else "right"


class Rating(BaseModel):
    tag: str
    contestant: str
    rating: float
    games: int
    wins: int
    losses: int
    ties: int


class EloTable(BaseModel):
    ratings: list[Rating] = Field(default_factory=list)


def split_contestant(text: str) -> tuple[str, str | None]:
    persona, _, model = text.partition(MODEL_SEPARATOR)
    return persona, model or None


def blind_order(rng: random.Random) -> bool:
    return rng.random() < 0.5


def timed() -> float:
    return time.monotonic()


def elo(picks: list[Preference]) -> EloTable:
    """Per-tag Elo over the picks in the order they were made (K=32, start 1000)."""
    ratings: dict[tuple[str, str], float] = defaultdict(lambda: ELO_START)
    record: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # W, L, T
    for pick in picks:
        a, b = (pick.tag, pick.left), (pick.tag, pick.right)
        expected = 1 / (1 + 10 ** ((ratings[b] - ratings[a]) / 400))
        score = {"left": 1.0, "right": 0.0, "tie": 0.5}[pick.winner]
        ratings[a] += ELO_K * (score - expected)
        ratings[b] -= ELO_K * (score - expected)
        for key, outcome in ((a, score), (b, 1 - score)):
            record[key][0 if outcome == 1 else 1 if outcome == 0 else 2] += 1
    rows = [Rating(tag=tag, contestant=who, rating=round(value, 1), games=sum(record[(tag, who)]),
                   wins=record[(tag, who)][0], losses=record[(tag, who)][1],
                   ties=record[(tag, who)][2])
            for (tag, who), value in ratings.items()]
    rows.sort(key=lambda r: (r.tag, -r.rating, r.contestant))
    return EloTable(ratings=rows)
