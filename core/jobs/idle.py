"""The idle gate: may jobs run now, and why (or why not), in words.

Idle means all of: no key or mouse input in an open app for `[jobs] idle_after_s` (no app
open: the user is away); no interactive model request in flight or in the last
`request_quiet_s` from any front end; the GPU's use averaged over `gpu_samples` readings
under `gpu_util_threshold` and no foreign process holding it. Or simply: the time is
inside a `schedule` window. Without an NVIDIA GPU only the user, request and schedule
rules apply.

`until_busy()` is woken by this process's stamps (a key press in the app reaches the
runner at once) and re-reads every other process's stamps from the store every `poll_s`.
While the runner waits in `until_busy()` the GPU is busy with its own steps, so then only
a foreign process on the GPU counts, not its use.

The runner must run its steps inside `workbench.activity.background()`: its own model
calls are not the user's.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from ingle.core.activity import Activity, ActivitySnapshot, Clock
from ingle.core.config.jobs import JobSettings, parse_window
from ingle.core.gpu import GpuMemory, GpuProbe
from ingle.core.jobs.idle_state import IdleState

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench

DAY_MIN = 24 * 60


class ActivityGate:
    """The IdleGate of core/jobs/idle_state.py over the user's activity, the GPU and a
    schedule. `gpu` reads the GPU (the workbench's `gpu`); None: no GPU rule."""

    def __init__(self, settings: JobSettings, activity: Activity, *,
                 gpu: Callable[[], GpuProbe] | None = None, clock: Clock | None = None,
                 tz: tzinfo | None = None, poll_s: float = 1.0) -> None:
        self.settings = settings
        self.activity = activity
        self._clock = clock
        self.tz = tz  # None: the machine's local time
        self.poll_s = poll_s
        self._gpu = gpu
        self._samples: deque[tuple[float, float]] = deque(maxlen=settings.gpu_samples)
        self._probe: tuple[float, GpuProbe] | None = None
        self._running = 0  # runners waiting in until_busy(): the GPU's use is theirs

    @property
    def clock(self) -> Clock:
        """The clock given, else the activity's (so stamps and verdicts share one time)."""
        return self._clock or self.activity.clock

    @classmethod
    def for_workbench(cls, workbench: Workbench, *, clock: Clock | None = None,
                      tz: tzinfo | None = None, poll_s: float = 1.0) -> ActivityGate:
        return cls(workbench.settings.jobs, workbench.activity, gpu=workbench.gpu,
                   clock=clock, tz=tz, poll_s=poll_s)

    # -- the protocol --------------------------------------------------------------------

    def state(self) -> IdleState:
        now = self.clock.now()
        rules: dict[str, str] = {}
        waits: list[str] = []
        rechecks: list[float] = []
        window = self._schedule(now, rules, rechecks)
        seen = self.activity.snapshot()
        for rule in (self._input_rule, self._request_rule):
            verdict = rule(seen, rules, rechecks)
            if verdict:
                waits.append(verdict)
        gpu_wait = self._gpu_rule(now, rules, rechecks)
        if gpu_wait:
            waits.append(gpu_wait)
        recheck = min(rechecks) if rechecks else None
        if window:
            return IdleState(idle=True, reason=f"running: inside the schedule window {window}",
                             rules=rules, recheck_in_s=recheck)
        if waits:
            return IdleState(idle=False, reason="waiting: " + "; ".join(waits), rules=rules,
                             recheck_in_s=recheck)
        return IdleState(idle=True, reason="running: " + "; ".join(rules.values()), rules=rules,
                         recheck_in_s=recheck)

    async def until_idle(self) -> IdleState:
        while True:
            await self._fresh_gpu()
            state = self.state()
            if state.idle:
                return state
            await self._wait(state.recheck_in_s)

    async def until_busy(self) -> IdleState:
        self._running += 1
        try:
            while True:
                await self._fresh_gpu()
                state = self.state()
                if not state.idle:
                    # The readings taken while jobs ran measured the jobs: measure afresh.
                    # (A runner that only waited here for new work keeps them.)
                    self._samples.clear()
                    return state
                await self._wait(state.recheck_in_s)
        finally:
            self._running -= 1

    async def _wait(self, recheck_in_s: float | None) -> None:
        """Until this process stamps something, or the gate may have changed by itself,
        or it is time to read the other processes' stamps again."""
        timeout = self.poll_s if recheck_in_s is None else min(self.poll_s, recheck_in_s)
        changed = self.activity.changed()
        timer = asyncio.ensure_future(self.clock.sleep(max(0.0, timeout)))
        try:
            await asyncio.wait([changed, timer], return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            timer.cancel()

    # -- the rules: each writes its words into `rules` and returns why it waits ----------

    def _input_rule(self, seen: ActivitySnapshot, rules: dict[str, str],
                    rechecks: list[float]) -> str:
        limit = self.settings.idle_after_s
        if seen.apps_open == 0:
            rules["input"] = "no app open"
            return ""
        if seen.last_input_at is None:
            rules["input"] = "no input yet"
            return ""
        age = max(0.0, seen.at - seen.last_input_at)
        if age >= limit:
            rules["input"] = f"no input for {duration(age)}"
            return ""
        what = "the mouse was used" if seen.last_input_kind == "mouse" else "a key was pressed"
        rules["input"] = f"{what} {duration(age)} ago (idle after {duration(limit)})"
        rechecks.append(limit - age)
        return rules["input"]

    def _request_rule(self, seen: ActivitySnapshot, rules: dict[str, str],
                      rechecks: list[float]) -> str:
        quiet = self.settings.request_quiet_s
        if seen.requests_in_flight:
            many = seen.requests_in_flight
            rules["requests"] = ("an interactive request is in flight" if many == 1
                                 else f"{many} interactive requests are in flight")
            return rules["requests"]
        if seen.last_request_at is None:
            rules["requests"] = "no interactive request yet"
            return ""
        age = max(0.0, seen.at - seen.last_request_at)
        if age >= quiet:
            rules["requests"] = f"no interactive request for {duration(age)}"
            return ""
        rules["requests"] = (f"an interactive request finished {duration(age)} ago "
                             f"(quiet after {duration(quiet)})")
        rechecks.append(quiet - age)
        return rules["requests"]

    def _gpu_rule(self, now: float, rules: dict[str, str], rechecks: list[float]) -> str:
        if self._gpu is None:
            return ""
        probe = self._read_gpu(now)
        if not probe.gpus:
            rules["gpu"] = f"{probe.problem or 'no NVIDIA GPU'} (not counted)"
            return ""
        foreign = [
            f"process {pid}" + (f" ({name})" if (name := gpu.process_names.get(pid)) else "")
            for gpu in probe.gpus for pid in gpu.process_ids if not self._serves_models(gpu, pid)
        ]
        if foreign:
            verb = "holds" if len(foreign) == 1 else "hold"
            rules["gpu"] = f"{', '.join(foreign)} {verb} the GPU"
            rechecks.append(self.settings.gpu_sample_s)
            return rules["gpu"]
        if self._running:
            rules["gpu"] = "busy with jobs; no other process holds it"
            return ""
        wanted = self.settings.gpu_samples
        if len(self._samples) < wanted:
            rules["gpu"] = (f"measuring the GPU's use ({len(self._samples)} of {wanted} "
                            "readings)")
            rechecks.append(self.settings.gpu_sample_s)
            return rules["gpu"]
        mean = sum(value for _, value in self._samples) / len(self._samples)
        limit = self.settings.gpu_util_threshold
        if mean >= limit:
            rules["gpu"] = (f"the GPU is {mean:.0f}% busy (mean of {wanted} readings; "
                            f"idle under {limit:.0f}%)")
            rechecks.append(self.settings.gpu_sample_s)
            return rules["gpu"]
        rules["gpu"] = f"the GPU is {mean:.0f}% busy"
        return ""

    async def _fresh_gpu(self) -> None:
        """Take a due GPU reading in a thread (NVML's init can take milliseconds): the
        app's event loop, where state() is also asked, then finds it already read."""
        now = self.clock.now()
        if self._gpu is not None and (self._probe is None
                                      or now - self._probe[0] >= self.settings.gpu_sample_s):
            await asyncio.to_thread(self._read_gpu, now)

    def _read_gpu(self, now: float) -> GpuProbe:
        """A reading at most every gpu_sample_s; readings older than the averaged span are
        dropped, so the mean is over recent use."""
        assert self._gpu is not None
        step = self.settings.gpu_sample_s
        if self._probe is not None and now - self._probe[0] < step:
            return self._probe[1]
        probe = self._gpu()
        self._probe = (now, probe)
        span = step * (self.settings.gpu_samples + 1)
        while self._samples and now - self._samples[0][0] > span:
            self._samples.popleft()
        readings = [g.utilization_percent for g in probe.gpus if g.utilization_percent is not None]
        if readings:
            self._samples.append((now, float(max(readings))))
        return probe

    def _serves_models(self, gpu: GpuMemory, pid: int) -> bool:
        name = gpu.process_names.get(pid, "").lower()
        return any(server.lower() in name for server in self.settings.model_servers)

    def _schedule(self, now: float, rules: dict[str, str], rechecks: list[float]) -> str:
        """The window `now` is inside ("" when none); its words go in rules["schedule"]."""
        if not self.settings.schedule:
            return ""
        local = datetime.fromtimestamp(now, self.tz) if self.tz else datetime.fromtimestamp(now)
        minute = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 6e7
        nearest: tuple[float, str] | None = None
        for window in self.settings.schedule:
            start, end = parse_window(window)
            inside = (start <= minute < end) if start < end else (minute >= start or minute < end)
            if inside:
                left = ((end - minute) % DAY_MIN) * 60
                rules["schedule"] = f"inside {window} (ends in {duration(left)})"
                rechecks.append(left)
                return window
            until = ((start - minute) % DAY_MIN) * 60
            if nearest is None or until < nearest[0]:
                nearest = (until, window)
        assert nearest is not None
        rules["schedule"] = f"outside {nearest[1]} (starts in {duration(nearest[0])})"
        rechecks.append(nearest[0])
        return ""


def duration(seconds: float) -> str:
    """14 s, 120 s, 5 min, 2 h 5 min: as a person reads a wait."""
    seconds = max(0.0, seconds)
    if seconds < 179.5:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours, rest = divmod(round(minutes), 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
