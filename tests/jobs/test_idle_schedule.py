"""Schedule windows, and the `[jobs]` section of the config with its messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingle.core.config.loader import ConfigError, load_config
from ingle.core.config.paths import IngleDirs
from ingle.core.frontends.cli import main
from ingle.core.jobs.idle import ActivityGate

from tests.jobs.idle_support import GateKit



def at(kit: GateKit, hhmm: str) -> None:
    hour, minute = map(int, hhmm.split(":"))
    kit.clock.set(datetime(2026, 12, 3, hour, minute, tzinfo=UTC).timestamp())


def scheduled(tmp_path: Path, *windows: str) -> tuple[GateKit, ActivityGate]:
    kit = GateKit(tmp_path, schedule=list(windows))
    return kit, ActivityGate(kit.settings, kit.activity, clock=kit.clock, tz=UTC)


def test_inside_a_window_jobs_run_even_while_the_user_types(tmp_path: Path) -> None:
    kit, gate = scheduled(tmp_path, "01:00-06:00")
    kit.activity.open_app()
    at(kit, "02:30")
    kit.activity.stamp_input("key")
    state = gate.state()
    assert state.idle
    assert state.reason == "running: inside the schedule window 01:00-06:00"
    assert state.rules["schedule"] == "inside 01:00-06:00 (ends in 3 h 30 min)"
    assert state.rules["input"].startswith("a key was pressed")


def test_outside_the_windows_the_other_rules_decide_and_the_next_window_is_named(
    tmp_path: Path,
) -> None:
    kit, gate = scheduled(tmp_path, "01:00-06:00", "22:30-23:00")
    kit.activity.open_app()
    at(kit, "21:00")
    kit.activity.stamp_input("key")
    state = gate.state()
    assert not state.idle
    assert state.rules["schedule"] == "outside 22:30-23:00 (starts in 1 h 30 min)"
    assert state.reason == "waiting: a key was pressed 0 s ago (idle after 120 s)"


@pytest.mark.parametrize(("now", "inside"), [("23:59", True), ("00:30", True), ("05:59", True),
                                             ("06:00", False), ("21:59", False)])
def test_a_window_across_midnight(tmp_path: Path, now: str, inside: bool) -> None:
    kit, gate = scheduled(tmp_path, "22:00-06:00")
    kit.activity.open_app()
    at(kit, now)
    kit.activity.stamp_input("key")
    assert gate.state().idle is inside


def test_the_window_ending_is_when_the_gate_looks_again(tmp_path: Path) -> None:
    kit, gate = scheduled(tmp_path, "01:00-01:10")
    kit.activity.open_app()
    at(kit, "01:09")
    kit.activity.stamp_input("key")
    state = gate.state()
    assert state.idle and state.recheck_in_s == 60
    kit.clock.advance(60)
    assert not gate.state().idle


def write_config(home: Path, text: str) -> Path:
    path = IngleDirs.from_env({"INGLE_HOME": str(home)}).config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_jobs_settings_load_from_the_users_config(ingle_home: Path) -> None:
    write_config(ingle_home, '[jobs]\nidle_after_s = 300\nschedule = ["01:00-06:00"]\n'
                             'executor = "ray"\naddress = "ray://10.0.0.5:10001"\n')
    jobs = load_config(env={"INGLE_HOME": str(ingle_home)}).settings.jobs
    assert (jobs.idle_after_s, jobs.schedule, jobs.executor, jobs.address) == (
        300, ["01:00-06:00"], "ray", "ray://10.0.0.5:10001")
    assert jobs.request_quiet_s == 60 and jobs.gpu_util_threshold == 10


@pytest.mark.parametrize(("line", "words"), [
    ('schedule = ["1am-6am"]', "'1am-6am' is not a time window: write HH:MM-HH:MM"),
    ('schedule = ["25:00-06:00"]', "is not a time window"),
    ('schedule = ["06:00-06:00"]', "is an empty window"),
    ('executor = "dask"', "Input should be 'local' or 'ray'"),
    ("gpu_util_threshold = 150", "less than or equal to 100"),
    ("idle_after = 60", "Extra inputs are not permitted"),
])
def test_a_bad_jobs_value_names_the_file_line_and_fix(ingle_home: Path, line: str,
                                                      words: str) -> None:
    path = write_config(ingle_home, f"[models]\n\n[jobs]\nidle_after_s = 60\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(env={"INGLE_HOME": str(ingle_home)})
    assert f"{path}: key 'jobs." in str(caught.value)
    assert "(line 5)" in str(caught.value)
    assert words in str(caught.value)


def test_ingle_config_refuses_a_bad_window_in_one_message(
    ingle_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(ingle_home, '[jobs]\nschedule = ["night"]\n')
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "jobs.schedule" in err and "line 2" in err and "01:00-06:00" in err
