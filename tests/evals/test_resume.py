"""A killed run resumed (no sample lost, none run twice), fan-out over two endpoints,
and re-scoring stored samples without asking the model again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from ingle.core.evals.service import EvalService
from ingle.memory import evals as rows
from tests.evals.helpers import by_prompt, ingle, last_user, open_workbench, write_suite
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import RecordedRequest, Reply

SUITE = '''
personas = ["my-generalist"]
checks = [{ type = "contains", value = "ok" }]
[[cases]]
id = "a"
prompt = "case a"
[[cases]]
id = "b"
prompt = "case b"
[[cases]]
id = "c"
prompt = "case c"
[[cases]]
id = "d"
prompt = "case d"
'''


def config(home: Path, endpoints: dict[str, str]) -> None:
    (home / "config").mkdir(exist_ok=True)
    text = "".join(f'[endpoints.{name}]\nkind = "ollama"\nurl = "{url}"\nconcurrency = 1\n'
                   for name, url in endpoints.items())
    (home / "config" / "config.toml").write_text(text)
    (home / "config" / "evals").mkdir(exist_ok=True)


def test_a_killed_run_resumes_without_losing_or_repeating_samples(fake_ollama, ingle_home):
    config(ingle_home, {"local": fake_ollama.url})
    write_suite(ingle_home / "config" / "evals", "four", SUITE)

    def stall_on_d(request: RecordedRequest) -> Reply:
        if "case d" in last_user(request):
            return Reply(text="o k", stall_after=1)  # the server hangs mid-reply
        return Reply(text="ok")

    fake_ollama.respond_with(stall_on_d)
    proc = subprocess.Popen([sys.executable, "-m", "ingle.core.frontends.cli", "eval", "run",
                             "four"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    run_id = ""
    for line in proc.stderr:  # wait for the progress line of the third sample
        if line.startswith("run ") and not run_id:
            run_id = line.split()[1].rstrip(":")
        if line.startswith("[3/4]"):
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    wb = open_workbench()
    stored = rows.samples_of(wb.store, run_id)
    assert sorted(s.case_id for s in stored) == ["a", "b", "c"]
    assert rows.get_run(wb.store, run_id).status == "running"  # killed: never marked
    wb.store.close()

    fake_ollama.respond_with(by_prompt({"case": "ok"}))
    done = ingle("eval", "run", "four", "--resume", run_id, "--json")
    assert done.returncode == 0, done.stderr
    assert "1 samples to go, 3 already stored" in done.stderr
    report = json.loads(done.stdout)
    assert report["run"]["stored"] == 4 and report["run"]["status"] == "done"
    assert report["subjects"][0]["pass@1"] == 1.0
    asked = [last_user(r) for r in fake_ollama.requests_to("/api/chat")]
    # a, b and c were asked once; d once more (the killed process may or may not have sent it)
    assert [asked.count(f"case {c}") for c in "abc"] == [1, 1, 1]
    assert asked[-1] == "case d"
    wb = open_workbench()
    keys = [(s.case_id, s.sample_index) for s in rows.samples_of(wb.store, run_id)]
    wb.store.close()
    assert sorted(keys) == [("a", 0), ("b", 0), ("c", 0), ("d", 0)]


async def test_runs_fan_out_over_every_endpoint_with_the_model(fake_ollama, ingle_home):
    with FakeOllama() as second:
        config(ingle_home, {"local": fake_ollama.url, "gpu2": second.url})
        write_suite(ingle_home / "config" / "evals", "four", SUITE)
        for server in (fake_ollama, second):
            server.respond_with(by_prompt({"case": "ok"}))
        wb = open_workbench()
        try:
            service = EvalService(wb)
            suite = service.load_suite("four")
            report = await service.run(suite, service.subjects(suite), samples=2)
            samples = rows.samples_of(wb.store, report.run.id)
        finally:
            await wb.aclose()
        first, other = len(fake_ollama.requests_to("/api/chat")), len(second.requests_to("/api/chat"))
    assert first + other == 8 and first > 0 and other > 0
    assert {s.endpoint for s in samples} == {"local", "gpu2"}


async def test_rescore_uses_stored_samples_and_the_edited_suite(fake_ollama, ingle_home):
    config(ingle_home, {"local": fake_ollama.url})
    path = write_suite(ingle_home / "config" / "evals", "four", SUITE)
    fake_ollama.respond_with(by_prompt({"case a": "ok", "case": "fine"}))
    wb = open_workbench()
    try:
        service = EvalService(wb)
        suite = service.load_suite("four")
        report = await service.run(suite, service.subjects(suite))
        assert report.subjects[0].metrics["pass@1"] == 0.25
        asked = len(fake_ollama.requests_to("/api/chat"))
        path.write_text(SUITE.replace('value = "ok"', 'value = "ok", name = "said-ok"')
                        .replace("checks = [", 'checks = [{ type = "regex", pattern = "^(ok|fine)$" }, '))
        rescored = await service.rescore(report.run.id)
        assert len(fake_ollama.requests_to("/api/chat")) == asked  # nothing regenerated
        scores = rows.scores_of(wb.store, report.run.id)
        assert {s.check_name for s in scores} == {"said-ok", "regex"}
        assert rescored.subjects[0].metrics["pass@1"] == 0.25
        only = await service.rescore(report.run.id, ["regex"])
        assert only.subjects[0].metrics["pass@1"] == 0.25
    finally:
        await wb.aclose()
    bad = ingle("eval", "rescore", report.run.id, "--checks", "nope")
    assert bad.returncode == 2 and "no check named nope" in bad.stderr
    done = ingle("eval", "rescore", report.run.id, "--checks", "regex", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["subjects"][0]["pass@1"] == 0.25
