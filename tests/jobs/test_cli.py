"""`ingle jobs` as a user types it, against the fake Ollama: add prints only the id, ls and
show report progress and the gate's reason (--json: one document), run --once works the
queue and exits 0, an eval job stores what `ingle eval run` stores, bad input exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.memory.store import Store
from tests.evals.helpers import by_prompt
from tests.jobs.helpers import write_basic_suite
from tests.jobs.stored import stored_results

ANSWERS = {"France": "Paris", "number 42": "It is 41."}


def ingle(*args: str, home: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"INGLE_HOME": str(home)} if home else {})}
    return subprocess.run([sys.executable, "-m", "ingle.core.frontends.cli", *args],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture
def suite(ingle_home: Path) -> None:
    write_basic_suite(ingle_home)


def test_an_eval_job_stores_what_ingle_eval_run_stores(fake_ollama, suite, ingle_home,
                                                       tmp_path):
    fake_ollama.respond_with(by_prompt(ANSWERS))
    other = tmp_path / "other"
    write_basic_suite(other)
    direct = ingle("eval", "run", "basic", "--personas", "my-generalist",
                   "--models", "qwen3:8b,qwen3:4b", "--json", home=other)
    assert direct.returncode == 0, direct.stderr
    added = ingle("jobs", "add", "eval", "basic", "--personas", "my-generalist",
                  "--models", "qwen3:8b,qwen3:4b")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "1\n"  # only the new job's id
    listed = json.loads(ingle("jobs", "ls", "--json").stdout)
    assert listed["gate"]["idle"] is True
    assert "no app open" in listed["gate"]["reason"]
    (job,) = listed["jobs"]
    assert (job["id"], job["kind"], job["status"], job["done"], job["total"]) == (
        1, "eval", "queued", 0, 8)
    worked = ingle("jobs", "run", "--once")
    assert worked.returncode == 0, worked.stderr
    assert "8 steps done, 0 failed, 1 jobs finished" in worked.stdout
    assert "job 1 eval: 8/8 steps" in worked.stderr and "job 1 done" in worked.stderr
    assert worked.stderr.count("job 1 eval: 8/8 steps\n") == 1  # not again as it finishes
    shown = json.loads(ingle("jobs", "show", "1", "--json").stdout)
    assert shown["job"]["status"] == "done" and len(shown["steps"]) == 8
    with Store(other / "data" / "ingle.db") as store:
        expected = stored_results(store)
    with Store(ingle_home / "data" / "ingle.db") as store:
        assert stored_results(store, shown["job"]["result"]["run_id"]) == expected
    report = ingle("eval", "report", shown["job"]["result"]["run_id"][:12], "--json")
    assert json.loads(report.stdout)["run"]["status"] == "done"


def test_ls_shows_progress_and_the_gates_reason_in_words(fake_ollama, suite, capsys):
    assert main(["jobs", "add", "eval", "basic", "--models", "qwen3:8b", "--priority", "2"]) == 0
    assert main(["jobs", "add", "schedule", "--every", "nightly", "--at", "02:00",
                 "eval", "basic", "--models", "qwen3:8b"]) == 0
    capsys.readouterr()
    assert main(["jobs", "ls"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("jobs could run now (no app open")
    assert out[0].endswith("but no runner is working the queue: `ingle jobs run`, or open the app")
    assert out[2].split()[:4] == ["1", "eval", "queued", "0/4"]
    assert out[3].split()[:3] == ["2", "schedule", "queued"]
    assert "every nightly at 02:00: eval basic --models qwen3:8b" in out[3]
    assert out[4].strip().startswith("next: ")


def test_pause_resume_and_cancel(fake_ollama, suite, capsys):
    fake_ollama.respond_with(by_prompt(ANSWERS))
    main(["jobs", "add", "eval", "basic", "--models", "qwen3:8b"])
    main(["jobs", "add", "eval", "basic", "--models", "qwen3:4b", "--limit", "1"])
    capsys.readouterr()
    assert main(["jobs", "pause", "1"]) == 0
    assert capsys.readouterr().out.startswith("job 1 paused: eval basic")
    assert main(["jobs", "cancel", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "cancelled"
    assert main(["jobs", "run", "--once", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps_done"] == 0 and summary["stopped"] == "nothing left to run"
    assert fake_ollama.requests_to("/api/chat") == []
    assert main(["jobs", "resume", "1"]) == 0
    assert main(["jobs", "run", "--once"]) == 0
    capsys.readouterr()
    main(["jobs", "ls", "--json"])
    jobs = {j["id"]: j for j in json.loads(capsys.readouterr().out)["jobs"]}
    assert (jobs[1]["status"], jobs[1]["done"]) == ("done", 4)
    assert (jobs[2]["status"], jobs[2]["done"]) == ("cancelled", 0)
    assert len(fake_ollama.requests_to("/api/chat")) == 4


@pytest.mark.parametrize("args, message", [
    (["jobs", "show", "9"], "ingle: no job 9"),
    (["jobs", "add", "eval", "nosuch"], "ingle: no suite named 'nosuch'"),
    (["jobs", "add", "eval", "basic", "--samples", "0"], "ingle: --samples must be at least 1"),
    (["jobs", "add", "schedule", "--every", "3x", "eval", "basic"], "ingle: --every '3x'"),
    (["jobs", "add", "schedule", "--every", "1h"], "ingle: a schedule needs the job"),
    (["jobs", "add", "schedule", "--every", "1h", "--at", "25:00", "eval", "basic"],
     "ingle: schedule job: at: Value error, --at '25:00'"),
    (["jobs", "add", "consolidate"], "ingle: no persona has memories"),
    (["jobs", "add", "refine", "nobody", "--suite", "basic"], "ingle: "),
])
def test_bad_input_exits_2_with_the_reason(fake_ollama, suite, capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr()
    assert err.out == "" and err.err.startswith(message)


def test_a_finished_job_cannot_be_paused(fake_ollama, suite, capsys):
    fake_ollama.respond_with(by_prompt(ANSWERS))
    main(["jobs", "add", "eval", "basic", "--models", "qwen3:8b", "--limit", "1", "--samples", "1"])
    main(["jobs", "run", "--once"])
    capsys.readouterr()
    assert main(["jobs", "pause", "1"]) == 2
    assert capsys.readouterr().err.startswith("ingle: job 1 is done: only a queued or running")


def test_ray_without_a_cluster_token_is_refused(fake_ollama, ingle_home):
    (ingle_home / "config").mkdir(exist_ok=True)
    (ingle_home / "config" / "config.toml").write_text(
        '[jobs]\nexecutor = "ray"\naddress = "ray://10.0.0.5:10001"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    done = subprocess.run([sys.executable, "-m", "ingle.core.frontends.cli", "jobs", "run",
                           "--once"], capture_output=True, text=True, env={
                               **env, "HOME": str(ingle_home)}, timeout=600)
    assert done.returncode == 2
    assert done.stderr.startswith("ingle: the Ray cluster at ray://10.0.0.5:10001 needs its "
                                  "token (Ray token authentication is on)")


def test_ls_says_running_only_while_a_runner_works_the_queue(fake_ollama, suite, capsys,
                                                             ingle_home):
    import os
    import socket

    from ingle.memory import jobs as q

    assert main(["jobs", "add", "eval", "basic", "--models", "qwen3:8b"]) == 0
    capsys.readouterr()
    assert main(["jobs", "ls", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runners"] == 0
    with Store(ingle_home / "data" / "ingle.db") as store:  # this test's process: alive
        q.register_runner(store, "r1", os.getpid(), socket.gethostname(), 0.0)
    assert main(["jobs", "ls"]) == 0
    assert capsys.readouterr().out.startswith("jobs running: no app open")
    assert main(["jobs", "ls", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runners"] == 1
