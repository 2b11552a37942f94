"""A schedule: adds a job of another kind every so often (e.g. a nightly regression run
of a suite, compared with the previous night's run as `ingle eval diff` does)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import field_validator

from ingle.core.errors import UsageError
from ingle.core.jobs.kinds.base import JobKind, Params, Plan

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """'30m', '24h', '1d', 'nightly' or 'daily' -> seconds."""
    if text in ("nightly", "daily"):
        return 86400.0
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd])", text.strip())
    if not found or float(found[1]) <= 0:
        raise UsageError(f"--every {text!r}: give a duration such as 30m, 24h, 1d or nightly",
                         "e.g. --every nightly --at 02:00")
    return float(found[1]) * _UNITS[found[2]]


def first_time(now: float, every_s: float, at: str | None) -> float:
    """The first run: at the next `at` (local HH:MM) if given, else `every_s` from now."""
    if at is None:
        return now + every_s
    hour, minute = (int(x) for x in at.split(":"))
    today = dt.datetime.fromtimestamp(now).replace(hour=hour, minute=minute, second=0,
                                                    microsecond=0)
    when = today.timestamp()
    return when if when > now else when + 86400.0


class ScheduleParams(Params):
    every: str
    at: str | None = None
    kind: str
    params: dict[str, Any]

    @field_validator("at")
    @classmethod
    def _hh_mm(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"--at {value!r} is not a time of day such as 02:00")
        return value


class ScheduleKind(JobKind):
    name = "schedule"
    summary = "repeat a job of another kind, e.g. a nightly eval compared with the last run"
    params_model = ScheduleParams

    async def plan(self, params: ScheduleParams, now: float) -> Plan:
        every = parse_every(params.every)
        if params.kind == self.name:
            raise UsageError("a schedule repeats a job, not another schedule",
                             "e.g. ingle jobs add schedule --every nightly eval SUITE")
        when = first_time(now, every, params.at)
        at = f" at {params.at}" if params.at else ""
        shown = " ".join(f"--{k} {','.join(v) if isinstance(v, list) else v}"
                         for k, v in params.params.items() if v and k not in ("suite", "persona",
                                                                            "compare"))
        first = params.params.get("suite") or params.params.get("persona") or ""
        return Plan(title=f"every {params.every}{at}: {params.kind} {first} {shown}".strip(),
                    steps=[], next_at=when)

    def next_time(self, job_params: dict[str, Any], was: float, now: float) -> float:
        """The time after `was`, skipping runs missed while nothing was running."""
        every = parse_every(job_params["every"])
        nxt = was + every
        while nxt <= now:
            nxt += every
        return nxt
