"""The idle gate's user rule: input in an open app, across processes, and its words."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from ingle.memory.activity import ActivityRow, activity_rows, save_row

from tests.jobs.idle_support import GateKit, until_sleeping


def test_with_no_app_open_the_user_is_away(tmp_path: Path) -> None:
    kit = GateKit(tmp_path)
    state = kit.gate.state()
    assert state.idle
    assert state.rules["input"] == "no app open"
    assert state.reason.startswith("running: no app open")


def test_a_key_press_makes_the_gate_wait_and_says_why(tmp_path: Path) -> None:
    kit = GateKit(tmp_path)
    kit.activity.open_app()
    kit.clock.advance(300)
    assert kit.gate.state().idle
    kit.activity.stamp_input("key")
    kit.clock.advance(14)
    state = kit.gate.state()
    assert not state.idle
    assert state.reason == "waiting: a key was pressed 14 s ago (idle after 120 s)"
    assert state.recheck_in_s == 106
    kit.clock.advance(106)
    state = kit.gate.state()
    assert state.idle
    assert state.rules["input"] == "no input for 120 s"


def test_mouse_input_is_named_as_such(tmp_path: Path) -> None:
    kit = GateKit(tmp_path, idle_after_s=30)
    kit.activity.open_app()
    kit.clock.advance(5)
    kit.activity.stamp_input("mouse")
    kit.clock.advance(3)
    assert kit.gate.state().reason == "waiting: the mouse was used 3 s ago (idle after 30 s)"


def test_until_busy_is_woken_by_the_key_press_not_by_time(tmp_path: Path) -> None:
    kit = GateKit(tmp_path)
    kit.activity.open_app()
    kit.clock.advance(500)

    async def scenario() -> str:
        waiting = asyncio.create_task(kit.gate.until_busy())
        await until_sleeping(kit.clock)
        assert not waiting.done()
        kit.activity.stamp_input("key")  # the clock does not move: only the stamp can wake it
        state = await asyncio.wait_for(waiting, timeout=60)
        return state.reason

    assert asyncio.run(scenario()) == "waiting: a key was pressed 0 s ago (idle after 120 s)"


def test_until_idle_returns_once_the_input_is_old_enough(tmp_path: Path) -> None:
    kit = GateKit(tmp_path, idle_after_s=120)
    kit.activity.open_app()

    async def scenario() -> str:
        waiting = asyncio.create_task(kit.gate.until_idle())
        for _ in range(130):  # one poll a second, as a runner sees it
            await until_sleeping(kit.clock, unless=waiting)
            if waiting.done():
                break
            kit.clock.advance(1)
        state = await asyncio.wait_for(waiting, timeout=60)
        return state.rules["input"]

    assert asyncio.run(scenario()) == "no input for 120 s"


def test_another_process_app_input_reaches_the_gate_through_the_store(tmp_path: Path) -> None:
    kit = GateKit(tmp_path)
    app = kit.other_process()
    app.open_app()
    kit.clock.advance(200)
    assert kit.gate.state().idle  # the app is open, but untouched for 200 s

    async def scenario() -> str:
        waiting = asyncio.create_task(kit.gate.until_busy())
        await until_sleeping(kit.clock)
        app.stamp_input("key")  # another process: no wake-up here, only the store
        kit.clock.advance(kit.gate.poll_s)
        state = await asyncio.wait_for(waiting, timeout=60)
        return state.reason

    assert asyncio.run(scenario()).startswith("waiting: a key was pressed")


def test_typing_writes_to_the_store_at_most_every_few_seconds(tmp_path: Path) -> None:
    kit = GateKit(tmp_path)
    kit.activity.open_app()
    opened = kit.clock.now()
    for _ in range(4):  # four keys in three seconds
        kit.clock.advance(1)
        kit.activity.stamp_input("key")
    (row,) = activity_rows(kit.store)
    assert row.last_input_at == opened  # not written per key
    assert kit.activity.snapshot().last_input_at == kit.clock.now()  # this process knows at once
    kit.clock.advance(2)
    kit.activity.stamp_input("key")
    (row,) = activity_rows(kit.store)
    assert row.last_input_at == kit.clock.now()


def test_a_closed_or_crashed_app_does_not_hold_jobs_back(tmp_path: Path) -> None:
    kit = GateKit(tmp_path)
    app = kit.other_process()
    app.open_app()
    assert not kit.gate.state().idle
    app.close()
    assert kit.gate.state().rules["input"] == "no app open"

    gone = subprocess.Popen(["true"])
    gone.wait()
    now = kit.clock.now()  # an app that crashed: its row still says open, its pid is gone
    save_row(kit.store, ActivityRow(id="crashed", pid=gone.pid, kind="app", started_at=now,
                                    last_input_at=now, requests_in_flight=1))
    state = kit.gate.state()
    assert state.rules["input"] == "no app open"
    assert "in flight" not in state.rules["requests"]
