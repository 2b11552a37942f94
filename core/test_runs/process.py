"""Running a test process with a time limit that always holds, keeping its output.

The runner is validators.process.run_limited (the same one the gates use): its own
session, so the limit kills the whole process group (pytest's workers, `go test`'s test
binaries, npm's node) and the call returns on time; output is read as it comes, so a
killed run still shows what it printed, and only its end is kept when it is long.
Processes a test left running are killed when the run ends.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

from ingle.validators.process import MAX_OUTPUT_BYTES, run_limited

__all__ = ["MAX_OUTPUT_BYTES", "ProcessOutcome", "run_process"]


class ProcessOutcome(BaseModel):
    argv: list[str]
    exit_code: int | None = None  # None when killed at the time limit
    output: str = ""  # stdout and stderr interleaved, as a terminal shows them
    timed_out: bool = False
    duration_s: float = 0.0
    start_error: str = ""


OnOutput = Callable[[str], None]  # text as the process prints it (live progress)


async def run_process(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout_s: float,
    on_output: OnOutput | None = None,
) -> ProcessOutcome:
    chunks = None
    if on_output is not None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")  # a chunk may split a character

        def chunks(data: bytes) -> None:
            if text := decoder.decode(data):
                on_output(text)

    run = await run_limited(
        argv, cwd=cwd, env=env, timeout_s=timeout_s, merge_stderr=True, keep="tail",
        on_output=chunks,
    )
    return ProcessOutcome(
        argv=run.argv, exit_code=run.returncode, output=run.stdout, timed_out=run.timed_out,
        duration_s=run.duration_s, start_error=run.start_error,
    )
