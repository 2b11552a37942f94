"""The job queue in the real SQLite store: claim order, leases, restarts, dead runners."""

from __future__ import annotations

import json
from pathlib import Path

from ingle.memory import jobs as q
from ingle.memory.store import Store


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "state.db")


def _steps(n: int, model: str = "") -> list[q.NewStep]:
    return [q.NewStep(payload={"n": i}, model=model) for i in range(n)]


def test_steps_are_claimed_by_priority_then_oldest_job(tmp_path):
    store = _store(tmp_path)
    low = q.add_job(store, "eval", "low", {}, 0.0, priority=0, steps=_steps(2))
    high = q.add_job(store, "eval", "high", {}, 1.0, priority=5, steps=_steps(2))
    later_high = q.add_job(store, "eval", "high too", {}, 2.0, priority=5, steps=_steps(1))
    order = []
    while (step := q.claim(store, "r1", 10.0, 60)) is not None:
        order.append((step.job_id, step.payload["n"]))
    assert order == [(high, 0), (high, 1), (later_high, 0), (low, 0), (low, 1)]
    assert q.get_job(store, high).status == "running"


def test_a_step_whose_model_is_loaded_goes_first_among_equal_priorities(tmp_path):
    store = _store(tmp_path)
    cold = q.add_job(store, "eval", "cold", {}, 0.0, steps=_steps(1, "qwen3:14b"))
    warm = q.add_job(store, "eval", "warm", {}, 1.0, steps=_steps(1, "qwen3:8b"))
    urgent = q.add_job(store, "eval", "urgent", {}, 2.0, priority=9, steps=_steps(1, "qwen3:4b"))
    picked = [q.claim(store, "r", 5.0, 60, loaded=["qwen3:8b"]).job_id for _ in range(3)]
    # priority still wins; the loaded model breaks the tie
    assert picked == [urgent, warm, cold]


def test_paused_and_cancelled_jobs_are_not_claimed(tmp_path):
    store = _store(tmp_path)
    paused = q.add_job(store, "eval", "p", {}, 0.0, steps=_steps(1))
    cancelled = q.add_job(store, "eval", "c", {}, 0.0, steps=_steps(2))
    assert q.set_status(store, paused, "paused", 1.0, only_from=q.ACTIVE)
    assert q.set_status(store, cancelled, "cancelled", 1.0)
    assert q.claim(store, "r", 2.0, 60) is None
    assert {s.status for s in q.steps_of(store, cancelled)} == {"cancelled"}
    assert q.set_status(store, paused, "queued", 3.0, only_from=("paused",))
    assert q.claim(store, "r", 4.0, 60).job_id == paused


def test_an_expired_lease_returns_the_step_after_a_restart(tmp_path):
    store = _store(tmp_path)
    job = q.add_job(store, "eval", "j", {}, 0.0, steps=_steps(1))
    step = q.claim(store, "crashed", 10.0, lease_s=60)
    store.close()  # the process dies without a word
    store = _store(tmp_path)
    assert q.claim(store, "new", 20.0, 60) is None  # the lease still holds
    assert q.expire_leases(store, 71.0, max_attempts=3) == 1
    again = q.claim(store, "new", 71.0, 60)
    assert again.id == step.id and again.attempts == 2
    # the lost runner's late result is dropped; the holder's is kept
    assert not q.finish(store, step.id, "crashed", {"late": True}, 72.0)
    assert q.finish(store, step.id, "new", {"ok": 1}, 73.0)
    assert q.get_step(store, step.id).result == {"ok": 1}
    assert q.get_step(store, step.id).duration_s == 2.0
    assert q.progress(store, [job])[job].done == 1


def test_a_done_step_never_runs_twice(tmp_path):
    store = _store(tmp_path)
    q.add_job(store, "eval", "j", {}, 0.0, steps=_steps(1))
    step = q.claim(store, "a", 1.0, 10)
    assert q.finish(store, step.id, "a", 1, 2.0)
    assert q.expire_leases(store, 1000.0, 3) == 0
    assert q.claim(store, "b", 1000.0, 10) is None
    assert not q.finish(store, step.id, "a", 2, 3.0)  # a second finish changes nothing
    assert q.get_step(store, step.id).result == 1


def test_a_dead_runners_leases_are_reclaimed_at_once(tmp_path):
    store = _store(tmp_path)
    q.add_job(store, "eval", "j", {}, 0.0, steps=_steps(2))
    q.register_runner(store, "dead", 999_999, "here", 0.0)
    q.register_runner(store, "alive", 1, "here", 0.0)
    mine = q.claim(store, "dead", 1.0, lease_s=3600)
    theirs = q.claim(store, "alive", 1.0, lease_s=3600)
    assert q.reclaim_dead(store, lambda r: r.id == "dead") == 1
    assert [r.id for r in q.runners(store)] == ["alive"]
    assert q.get_step(store, mine.id).status == "queued"
    assert q.get_step(store, theirs.id).status == "running"
    assert q.claim(store, "alive", 2.0, 60).id == mine.id  # long before the lease ran out


def test_release_puts_a_step_back_without_counting_an_attempt(tmp_path):
    store = _store(tmp_path)
    q.add_job(store, "eval", "j", {}, 0.0, steps=_steps(1))
    step = q.claim(store, "r", 1.0, 60)
    assert q.release(store, step.id, "r")
    again = q.claim(store, "r", 2.0, 60)
    assert again.id == step.id and again.attempts == 1


def test_failures_retry_until_the_attempts_run_out(tmp_path):
    store = _store(tmp_path)
    job = q.add_job(store, "eval", "j", {}, 0.0, steps=_steps(1))
    for expected in ("queued", "queued", "failed"):
        step = q.claim(store, "r", 1.0, 60)
        assert q.fail(store, step.id, "r", "boom", 2.0, max_attempts=3) == expected
    assert q.claim(store, "r", 3.0, 60) is None
    progress = q.progress(store, [job])[job]
    assert (progress.failed, progress.last_error) == (1, "boom")


def test_one_caller_advances_a_finished_stage(tmp_path):
    store = _store(tmp_path)
    job = q.add_job(store, "eval", "j", {"a": 1}, 0.0, steps=_steps(1))
    step = q.claim(store, "r", 1.0, 60)
    assert not q.advance_stage(store, job, 0)  # a step is still running
    q.finish(store, step.id, "r", None, 2.0)
    assert q.advance_stage(store, job, 0)
    assert not q.advance_stage(store, job, 0)
    q.add_steps(store, job, 1, _steps(1))
    assert q.claim(store, "r", 3.0, 60).stage == 1
    assert json.loads(q.get_job(store, job).params_json) == {"a": 1}


def test_progress_counts_stay_exact_through_every_move(tmp_path):
    store = _store(tmp_path)
    job = q.add_job(store, "eval", "j", {}, 0.0, steps=_steps(6))

    def counted() -> dict[str, int]:
        rows = store.db.conn.execute(
            "SELECT status, COUNT(*) FROM job_steps WHERE job_id = ? GROUP BY status", [job])
        return dict(rows.fetchall())

    def kept() -> dict[str, int]:
        p = q.progress(store, [job])[job]
        return {s: n for s in ("queued", "running", "done", "failed", "cancelled")
                if (n := getattr(p, s))}

    a, b, c, d = (q.claim(store, "r", 1.0, 10) for _ in range(4))
    q.finish(store, a.id, "r", 1, 3.0)
    q.release(store, b.id, "r")
    q.fail(store, c.id, "r", "boom", 4.0, max_attempts=1)
    q.expire_leases(store, 100.0, max_attempts=3)  # d's lease ran out
    q.add_steps(store, job, 1, _steps(2))
    q.register_runner(store, "gone", 1, "h", 0.0)
    q.claim(store, "gone", 100.0, 10)
    q.reclaim_dead(store, lambda r: True)
    q.set_status(store, job, "cancelled", 101.0)
    assert kept() == counted() == {"done": 1, "failed": 1, "cancelled": 6}
    progress = q.progress(store, [job])[job]
    assert progress.mean_step_s == 2.0 and progress.last_error == "boom"
    assert d.id != a.id
