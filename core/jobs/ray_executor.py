"""The Ray executor: portable steps run as Ray tasks on nodes that advertise `llm_host`.

`pip install 'ingle[cluster]'`; chosen with `[jobs] executor = "ray"` and `address` (a
cluster's address, or "local" to start a Ray instance here). Ray is imported only then.
Each task runs the same step function as the local executor, on its node, with that
node's own Ingle config and model server (its local Ollama or vLLM); the result comes
back to this process, whose SQLite store stays the record. A task whose worker or node
dies fails its attempt, so the runner returns the step to the queue and runs it again.
Kinds that write as they go (refine, consolidate) run here, through the local executor.

Security: token authentication is always on (RAY_AUTH_MODE=token; Ray 2.60 listens on
every interface, so the token is what keeps others out), and a local instance runs
without its dashboard. The README says how to run a cluster the same way.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingle.core.errors import UsageError
from ingle.core.jobs.executor import LocalExecutor
from ingle.core.jobs.kinds import JobKind
from ingle.core.jobs.models import StepOutcome
from ingle.memory.jobs import JobRow, StepRow

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench

RESOURCE = "llm_host"  # a node that runs steps advertises this (one unit per step at once)


def _token_auth(address: str) -> None:
    """Ray's token authentication on. A local instance gets a fresh random token, kept in
    this process's environment only (its Ray processes inherit it); a cluster's token is
    the user's (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token on every node)."""
    os.environ["RAY_AUTH_MODE"] = "token"
    configured = (os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")
                  or (Path.home() / ".ray" / "auth_token").is_file())
    if configured:
        return
    if address != "local":
        raise UsageError(f"the Ray cluster at {address} needs its token (Ray token "
                         "authentication is on)", "set RAY_AUTH_TOKEN or write the cluster's "
                         "token to ~/.ray/auth_token (`ray get-auth-token`)")
    os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)


class StepLost(Exception):
    """The worker or node running a step died; the step goes back to the queue."""


def run_step_on_node(kind_name: str, job_json: str, step_json: str) -> dict[str, Any]:
    """The task body, on a node: open this node's Ingle, run the step, return its outcome."""
    from ingle.core.jobs.kinds import KINDS
    from ingle.core.workbench import Workbench

    async def go() -> dict[str, Any]:
        workbench = Workbench.open(None)
        try:
            kind = KINDS[kind_name](workbench)
            with workbench.activity.background():  # a job's calls, not the node user's
                outcome = await LocalExecutor(workbench).run(
                    kind, JobRow.model_validate_json(job_json),
                    StepRow.model_validate_json(step_json))
            return outcome.model_dump(mode="json")
        finally:
            await workbench.aclose()

    return asyncio.run(go())


class RayExecutor:
    def __init__(self, workbench: Workbench, address: str = "local", *,
                 local_cpus: int = 2) -> None:
        _token_auth(address)  # before Ray is imported: it reads its auth mode at import
        try:
            import ray
        except ImportError:
            raise UsageError("[jobs] executor = \"ray\" needs Ray, which is not installed",
                             "pip install 'ingle[cluster]', or set [jobs] executor = \"local\"")
        self.ray = ray
        self.local = LocalExecutor(workbench)
        if not ray.is_initialized():
            if address == "local":
                ray.init(num_cpus=local_cpus, resources={RESOURCE: local_cpus},
                         include_dashboard=False, _node_ip_address="127.0.0.1",
                         log_to_driver=False, configure_logging=False)
            else:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
        self._task = ray.remote(run_step_on_node).options(
            resources={RESOURCE: 1}, num_cpus=0, max_retries=0, name="ingle_step")

    def capacity(self) -> int:
        hosts = int(self.ray.cluster_resources().get(RESOURCE, 0))
        if hosts < 1:
            raise UsageError("no Ray node advertises the llm_host resource",
                             "start each model host with: ray start --resources "
                             "'{\"llm_host\": 2}' ...")
        return hosts

    async def run(self, kind: JobKind, job: JobRow, step: StepRow) -> StepOutcome:
        if not kind.portable:
            return await self.local.run(kind, job, step)
        ref = self._task.remote(kind.name, job.model_dump_json(), step.model_dump_json())
        exceptions = self.ray.exceptions
        try:
            return StepOutcome.model_validate(await ref)
        except asyncio.CancelledError:
            # Killing the worker closes its model request, which stops the generation.
            self.ray.cancel(ref, force=True)
            raise
        except (exceptions.WorkerCrashedError, exceptions.NodeDiedError,
                exceptions.ObjectLostError, exceptions.TaskCancelledError) as exc:
            raise StepLost(f"the Ray worker running it was lost: {type(exc).__name__}") from exc
        except exceptions.RayTaskError as exc:
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            raise RuntimeError(str(cause).splitlines()[0] if str(cause) else
                               type(cause).__name__) from exc

    async def aclose(self) -> None:
        await self.local.aclose()
        if self.ray.is_initialized():
            self.ray.shutdown()
