"""What the Evals pane keeps of a run beyond its scores: starred cases, and a sample
captured as a case of the user's own suite (one key, like `ingle eval capture` for turns)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ingle.core.errors import NotFound, UsageError
from ingle.core.evals.capture import append_case, replay_messages
from ingle.core.evals.models import Case, CheckSpec
from ingle.core.evals.service import EvalService
from ingle.core.evals.suites import user_suite_dir
from ingle.memory import evals as rows

CAPTURE_SUITE = "captured"
_PART = re.compile(r" \((?:train|holdout|candidate \d+)\)$")


def base_suite(run_suite: str) -> str:
    """The suite a run came from: refine's runs are named `SUITE (train)`, `SUITE (holdout)`
    and `SUITE (candidate N)`; their stars and refines belong to SUITE."""
    return _PART.sub("", run_suite)


def toggle_star(service: EvalService, suite: str, case_id: str) -> bool:
    """Star the case if it was not starred, else unstar it; returns whether it is now."""
    starred = case_id not in rows.stars_of(service.store, suite)
    rows.set_star(service.store, suite, case_id, starred)
    return starred


def stars(service: EvalService, suite: str) -> set[str]:
    return rows.stars_of(service.store, suite)


def capture_sample(service: EvalService, sample_id: int,
                   suite: str = CAPTURE_SUITE) -> tuple[Case, Path]:
    """Append a sample's request as a case: a passing sample (by its checks, or your +1)
    is the reference answer; a failing one (or your -1) is the answer not to repeat."""
    sample = rows.sample(service.store, sample_id)
    if sample is None:
        raise NotFound(f"no sample {sample_id}")
    messages = replay_messages(json.loads(sample.request_json or "{}"))
    if not messages:
        raise UsageError("this sample has no stored request to replay", "pick another cell")
    detail = next((d for d in service.cell(sample.run_id, sample.case_id, sample.subject)
                   if d.sample.id == sample_id), None)
    thumbs = detail.label.thumbs if detail is not None and detail.label is not None else 0
    good = thumbs > 0 if thumbs else bool(detail is not None and detail.passed)
    if good:
        rubric = "Answers as well as this accepted answer does:\n" + sample.output[:4000]
    else:
        rubric = "Answers correctly. This earlier answer failed and must not be repeated:\n" + \
            sample.output[:4000]
    case = Case(
        id=f"eval-{sample.case_id}-{sample_id}", messages=messages,
        expected=sample.output if good else None,
        tags=["captured", "passing" if good else "failing", "eval"],
        checks=[CheckSpec(type="rubric", rubric=rubric, threshold=0.5)],
        data={"run_id": sample.run_id, "case_id": sample.case_id, "subject": sample.subject,
              "sample_id": str(sample_id)},
    )
    return case, append_case(user_suite_dir(service.wb.dirs.config), suite, case)
