"""`ingle doctor`'s checklist of what Ingle needs, each failed line with its fix.

The checklist is a list of sections, each a function that returns `CheckRow`s
(see `sections()`). To add a section (the gate tools: Chromium, node, go, javac),
write a function taking a `DoctorContext` and returning rows - plain or async -
and append it to `sections()`. Doctor exits 1 when a `required` row failed.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

if TYPE_CHECKING:
    from ingle.core.config.loader import LoadedConfig

Status = Literal["ok", "fail", "warn", "info"]
_MARK = {"ok": "[ok]  ", "fail": "[FAIL]", "warn": "[warn]", "info": "[info]"}
# About what qwen3:8b needs at Q4 with a 16K context; below it models spill onto the CPU.
_LOW_VRAM_BYTES = 6 * 10**9


class CheckRow(BaseModel):
    name: str
    status: Status
    detail: str = ""
    fix: str = ""
    # A failed required row makes `ingle doctor` exit 1; optional ones only warn.
    required: bool = False


@dataclass
class DoctorContext:
    """What the checks share: the config, and what earlier sections found."""

    loaded: LoadedConfig
    # endpoint name -> installed model names, for endpoints that answered
    installed: dict[str, set[str]] = field(default_factory=dict)


CheckFn = Callable[[DoctorContext], "list[CheckRow] | Awaitable[list[CheckRow]]"]


def sections() -> list[tuple[str, CheckFn]]:
    """The checklist, in order (later sections may use what earlier ones put in the context)."""
    return [
        ("endpoints", check_endpoints),
        ("models for the roles and personas", check_role_models),
        ("GPU", check_gpu),
        ("Claude (escalation)", check_claude),
        ("gate tools", check_gate_tools),
    ]


async def call_check(check: CheckFn, context: DoctorContext) -> list[CheckRow]:
    rows = check(context)
    return await rows if inspect.isawaitable(rows) else rows


def render(row: CheckRow) -> list[str]:
    line = f"  {_MARK[row.status]} {row.name}" + (f": {row.detail}" if row.detail else "")
    return [line, f"         fix: {row.fix}"] if row.fix and row.status != "ok" else [line]


# ---- the checks ---------------------------------------------------------------------------


async def check_endpoints(context: DoctorContext) -> list[CheckRow]:
    names = list(context.loaded.settings.endpoints)
    if not names:
        return [CheckRow(name="endpoints", status="fail", required=True,
                         detail="none configured",
                         fix="add [endpoints.local] with url = \"http://127.0.0.1:11434\"")]
    rows = list(await asyncio.gather(*(_check_endpoint(context, n) for n in names)))
    if not context.installed:  # nothing answered: say what works with no server at all
        rows.append(embedded_suggestion())
    return rows


def embedded_suggestion() -> CheckRow:
    """The `embedded` endpoint: a llama.cpp server Ingle starts itself (no Ollama needed)."""
    from ingle.core.backends.llama_server import INSTALL_HINT, bundled_gguf, server_installed

    if server_installed() and bundled_gguf() is not None:
        return CheckRow(name="embedded", status="warn",
                        detail="no endpoint answered; the embedded SmolLM2-135M is installed "
                        "and needs no server",
                        fix='use it: ingle ask -m smollm2@embedded "..." (or ingle --model '
                        "smollm2@embedded); a 135M model answers small questions, not code")
    return CheckRow(name="embedded", status="warn",
                    detail="no endpoint answered; Ingle can run a small model itself",
                    fix=f"{INSTALL_HINT}, then: ingle ask -m smollm2@embedded \"...\"")


async def _check_endpoint(context: DoctorContext, name: str) -> CheckRow:
    from ingle.core.backends.errors import BackendError
    from ingle.core.backends.ollama import OllamaBackend
    from ingle.core.backends.registry import open_backend

    settings = context.loaded.settings
    if settings.endpoints[name].kind == "embedded":
        return _check_embedded(context, name)
    from ingle.core.config.redact import redact_url

    url = redact_url(settings.endpoints[name].url)
    backend = open_backend(settings, name)
    try:
        models = await backend.list_models()
        version = await backend.version() if isinstance(backend, OllamaBackend) else ""
    except BackendError as exc:
        return CheckRow(name=name, status="fail", required=True,
                        detail=exc.message, fix=exc.hint)
    finally:
        await backend.aclose()
    context.installed[name] = {_canonical(m.name) for m in models}
    server = f"Ollama {version}" if version else backend.kind
    return CheckRow(name=name, status="ok",
                    detail=f"{server} at {url}, {len(models)} models installed")


def _check_embedded(context: DoctorContext, name: str) -> CheckRow:
    """An embedded endpoint is not reached but started: check what starting it needs."""
    from ingle.core.backends.embedded import embedded_model
    from ingle.core.backends.llama_server import INSTALL_HINT, server_installed

    path, alias = embedded_model(context.loaded.settings.endpoints[name].model_path)
    if not server_installed() or path is None:
        missing = "llama-cpp-python's server" if not server_installed() else "the bundled model"
        return CheckRow(name=name, status="fail", required=True,
                        detail=f"embedded endpoint: {missing} is not installed", fix=INSTALL_HINT)
    if not path.is_file():
        return CheckRow(name=name, status="fail", required=True,
                        detail=f"embedded endpoint: no model file at {path}",
                        fix=f"fix endpoints.{name}.model_path in your config")
    context.installed[name] = {_canonical(alias)}
    return CheckRow(name=name, status="ok",
                    detail=f"embedded llama.cpp server (started on demand) serving {alias} "
                    f"from {path}")


def _canonical(model: str) -> str:
    return model if ":" in model else f"{model}:latest"


def check_role_models(context: DoctorContext) -> list[CheckRow]:
    from ingle.core.backends.registry import split_model_ref

    from ingle.personas.registry import load_registry

    settings = context.loaded.settings
    roles_of: dict[str, list[str]] = {}
    for role, ref in settings.roles.items():
        roles_of.setdefault(ref, []).append(f"role {role}")
    # The personas' own models too: a persona on a model nobody pulled fails on first use.
    for persona in load_registry(context.loaded.dirs.user_personas).personas.values():
        roles_of.setdefault(str(persona.model_ref), []).append(persona.name)
    if not context.installed:
        return [CheckRow(name="models", status="info",
                         detail="not checked: no endpoint answered (see above)")]
    rows = []
    for ref, roles in roles_of.items():
        model, endpoint = split_model_ref(ref)
        where = [endpoint] if endpoint else list(context.installed)
        having = [e for e in where if _canonical(model) in context.installed.get(e, set())]
        used_by = f"used by: {', '.join(roles)}"
        if having:
            rows.append(CheckRow(name=model, status="ok", detail=f"on {', '.join(having)}; {used_by}"))
            continue
        place = endpoint or "any endpoint"
        fix = f"ollama pull {model}"
        if endpoint and endpoint not in context.installed:
            fix = f"make endpoint '{endpoint}' reachable (see above), then {fix}"
        rows.append(CheckRow(name=model, status="fail", required=True,
                             detail=f"not installed on {place}; {used_by}",
                             fix=f"{fix} (or point the roles or personas at an installed model)"))
    return rows


def check_gpu(context: DoctorContext) -> list[CheckRow]:
    from ingle.core.gpu import probe_gpus

    probe = probe_gpus()
    if not probe.gpus:
        fix = ("check the NVIDIA driver with `nvidia-smi`" if probe.problem.startswith("NVML")
               else "local models will run on the CPU, slowly, unless Ollama runs on another "
                    "machine with a GPU")
        return [CheckRow(name="GPU", status="warn", detail=probe.problem, fix=fix)]
    rows = []
    for index, gpu in enumerate(probe.gpus):
        detail = f"{gpu.name}, {gpu.free_bytes / 1e9:.1f} of {gpu.total_bytes / 1e9:.1f} GB VRAM free"
        low = gpu.free_bytes < _LOW_VRAM_BYTES
        rows.append(CheckRow(
            name=f"GPU {index}", status="warn" if low else "ok", detail=detail,
            fix="free VRAM (`ollama ps` shows loaded models; other programs may hold it) or "
                "use a smaller model / num_ctx" if low else ""))
    return rows


def check_claude(context: DoctorContext) -> list[CheckRow]:
    claude = context.loaded.settings.claude
    if claude.api_key is None or not claude.api_key.get_secret_value():
        return [CheckRow(name="Anthropic API key", status="warn",
                         detail="not set: escalation to Claude is off (local models only)",
                         fix="export ANTHROPIC_API_KEY=... to let failed local work escalate")]
    source = context.loaded.source_of("claude.api_key")
    return [CheckRow(name="Anthropic API key", status="ok",
                     detail=f"set (from {source}); model {claude.model}, "
                            f"daily cap ${claude.daily_cap_usd:.2f}")]


# ---- gate tools (rows built by validators.tool_status) ------------------------------------

_GATE_OF_TOOL = {"chromium": "browser", "node": "javascript", "eslint": "javascript",
                 "tsc": "typescript", "go": "go", "javac": "java", "ruff": "python"}


async def check_gate_tools(context: DoctorContext) -> list[CheckRow]:
    """A missing tool only warns (its gate reports 'could not run'), unless the gate that
    needs it is in gates.required."""
    from ingle.validators.tool_status import tool_statuses

    loaded = context.loaded
    required = set(loaded.settings.gates.required)
    rows = []
    for tool in await tool_statuses(loaded.settings.gates, loaded.dirs.tools, loaded.repo):
        needed = _GATE_OF_TOOL[tool.tool] in required
        if tool.found:
            where = f"{tool.version} ({tool.source}: {tool.path})" if tool.version else tool.path
            rows.append(CheckRow(name=tool.tool, status="warn" if tool.note else "ok",
                                 detail=f"{where}{'; ' + tool.note if tool.note else ''}",
                                 fix=tool.install))
        else:
            rows.append(CheckRow(name=tool.tool, status="fail" if needed else "warn",
                                 detail=tool.note or "not found", fix=tool.install, required=needed))
    return rows


def install_gate_tools(context: DoctorContext) -> None:
    from ingle.validators.gate import GateEnv
    from ingle.validators.npm_tools import install_tools

    loaded = context.loaded
    env = GateEnv(settings=loaded.settings.gates, tools_dir=loaded.dirs.tools,
                  progress=lambda line: print(line, flush=True))
    outcome = asyncio.run(install_tools(env))
    versions = ", ".join(f"{name} {version}" for name, version in outcome.versions.items())
    print(f"gate tools: {outcome.detail}{': ' + versions if versions else ''}\n")
