"""What an untrusted repository's .ingle.toml may change: only towards caution.

A cloned repository is untrusted input. Keys that name programs, endpoints or keys are
dropped outright until `ingle trust` (fields marked sensitive in the settings). Keys that
decide whether Ingle runs the repository's code, how much it may spend on Claude, or
what leaves the machine are kept only when they make Ingle more conservative than the
layers beneath (the defaults and the user's own config): tests may be turned off, never
on; escalation lowered, never raised; the daily cap lowered; content kept local. A
ladder may not bring Claude forward. Everything else (num_ctx, roles, gates' strictness)
is the repository's business.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_ESCALATION = {"never": 0, "auto": 1, "always": 2}


def _not_more(new: Any, current: Any) -> bool:
    try:
        return bool(new <= current)
    except TypeError:
        return False


def _off_only(new: Any, current: Any) -> bool:
    return new is False or new == current


def _on_only(new: Any, current: Any) -> bool:
    return new is True or new == current


def _escalate(new: Any, current: Any) -> bool:
    return new in _ESCALATION and _ESCALATION[new] <= _ESCALATION.get(current, 2)


def _superset(new: Any, current: Any) -> bool:
    return isinstance(new, list) and set(current or []) <= set(new)


def _same(new: Any, current: Any) -> bool:
    return new == current


def _ladders(new: Any, current: Any) -> bool:
    """Claude may only stay where it was: the last rung of a ladder that had it last."""
    if not isinstance(new, Mapping):
        return False
    for kind, rungs in new.items():
        if not isinstance(rungs, list):
            return False
        models = [r.get("model", "persona") if isinstance(r, Mapping) else r for r in rungs]
        if "claude" not in models:
            continue
        mine = [r.get("model") for r in (current or {}).get(kind, []) if isinstance(r, Mapping)]
        if models.count("claude") > 1 or models[-1] != "claude" or not mine or mine[-1] != "claude":
            return False
        if len(models) < len(mine):  # fewer local rungs first: Claude sooner
            return False
    return True


RULES: dict[str, Callable[[Any, Any], bool]] = {
    "tests.enabled": _off_only,  # running tests runs the repository's code
    "cascade.escalate": _escalate,
    "cascade.local_only": _on_only,
    "cascade.local_only_personas": _superset,
    "cascade.ladders": _ladders,
    "claude.model": _same,
    "claude.daily_cap_usd": _not_more,
    "claude.max_tokens": _not_more,
    "claude.prices": _same,
}


def _get(data: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _drop(data: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    node: Any = data
    for part in parents:
        node = node[part]
    del node[last]


def keep_conservative(repo_data: dict[str, Any], beneath: Mapping[str, Any]) -> list[str]:
    """Remove from `repo_data` every ruled key that would make Ingle less careful than
    `beneath` (the settings so far, as plain data). Returns "key = value" for each."""
    dropped: list[str] = []
    for dotted, allowed in RULES.items():
        present, new = _get(repo_data, dotted)
        if not present:
            continue
        _, current = _get(beneath, dotted)
        if not allowed(new, current):
            _drop(repo_data, dotted)
            dropped.append(dotted if isinstance(new, Mapping) else f"{dotted} = {new!r}")
    return dropped
