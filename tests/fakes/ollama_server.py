"""A fake Ollama: `/api/chat` NDJSON streams from a script, plus the model-management API.

Installed models are configurable (`FakeOllama(models=[FakeModel(...)])`, or edit
`server.models`); errors mimic the real server's statuses and messages
(wire-protocols.md section 1).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field

from tests.fakes.script import MidStreamError, Reply, estimate_tokens
from tests.fakes.server import Exchange, FakeServer

CREATED_AT = "2025-10-20T12:00:00.000000Z"
NDJSON = "application/x-ndjson"


class FakeModel(BaseModel):
    name: str
    size: int = 5_225_376_047
    family: str = "qwen3"
    parameter_size: str = "8.2B"
    quantization: str = "Q4_K_M"
    context_length: int = 40_960
    capabilities: list[str] = Field(default_factory=lambda: ["completion", "tools", "thinking"])
    loaded: bool = False
    size_vram: int | None = None  # when loaded; None = all of it in VRAM
    loaded_num_ctx: int | None = None
    system: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    # A recorded /api/show `model_info` (architecture fields); None: a generic one.
    model_info: dict[str, Any] | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()

    def details(self) -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": self.family,
            "families": [self.family],
            "parameter_size": self.parameter_size,
            "quantization_level": self.quantization,
        }


def default_models() -> list[FakeModel]:
    """The models the default roles name, as a 12 GB GPU user would have them."""
    return [
        FakeModel(name="qwen3:8b"),
        FakeModel(name="qwen3:14b", size=9_276_198_565, parameter_size="14.8B"),
        FakeModel(name="qwen3:4b", size=2_620_788_260, parameter_size="4.0B"),
        FakeModel(
            name="qwen2.5-coder:7b",
            size=4_683_087_332,
            family="qwen2",
            parameter_size="7.6B",
            context_length=32_768,
            capabilities=["completion", "tools", "insert"],
        ),
    ]


def _line(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode() + b"\n"


class FakeOllama(FakeServer):
    def __init__(self, models: list[FakeModel] | None = None, version: str = "0.12.6") -> None:
        super().__init__()
        self.models: dict[str, FakeModel] = {
            m.name: m for m in (default_models() if models is None else models)
        }
        self.version = version
        # model name -> error message a pull of it fails with (mid-stream, like the real one)
        self.pull_errors: dict[str, str] = {}
        # /api/create parameters this server silently drops (as some servers do), so a
        # read-back through /api/show can be shown to catch it.
        self.dropped_parameters: set[str] = set()

    def find(self, name: str) -> FakeModel | None:
        return self.models.get(name) or self.models.get(f"{name}:latest")

    def route(self, ex: Exchange) -> None:
        method, path = ex.request.method, ex.request.path
        routes = {
            ("GET", "/"): self._root,
            ("HEAD", "/"): self._root,
            ("GET", "/api/version"): lambda e: e.send_json(200, {"version": self.version}),
            ("GET", "/api/tags"): self._tags,
            ("POST", "/api/show"): self._show,
            ("GET", "/api/ps"): self._ps,
            ("POST", "/api/chat"): self._chat,
            ("POST", "/api/pull"): self._pull,
            ("POST", "/api/create"): self._create,
            ("DELETE", "/api/delete"): self._delete,
            ("POST", "/api/embed"): self._embed,
        }
        handler = routes.get((method, path))
        if handler is None:
            ex.send_bytes(404, b"404 page not found", "text/plain")
            return
        handler(ex)

    def _root(self, ex: Exchange) -> None:
        ex.send_bytes(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _tags(self, ex: Exchange) -> None:
        ex.send_json(200, {"models": [
            {
                "name": m.name,
                "model": m.name,
                "modified_at": CREATED_AT,
                "size": m.size,
                "digest": m.digest,
                "details": m.details(),
            }
            for m in self.models.values()
        ]})

    def _model_or_404(self, ex: Exchange, key: str = "model") -> FakeModel | None:
        body = ex.request.json or {}
        name = body.get(key) or body.get("name") or ""
        if not name:
            ex.send_json(400, {"error": "model is required"})
            return None
        model = self.find(name)
        if model is None:
            ex.send_json(404, {"error": f"model '{name}' not found"})
        return model

    def _show(self, ex: Exchange) -> None:
        model = self._model_or_404(ex)
        if model is None:
            return
        # As Ollama prints them: "name value" lines, a list (stop) one line per item.
        parameters = "\n".join(
            f"{k} {json.dumps(item) if isinstance(item, str) else item}"
            for k, v in model.parameters.items()
            for item in (v if isinstance(v, list) else [v])
        )
        ex.send_json(200, {
            "modelfile": f"# Modelfile generated by \"ollama show\"\nFROM {model.name}\n",
            "parameters": parameters,
            "template": "{{ .Prompt }}",
            "system": model.system,
            "details": model.details(),
            "model_info": model.model_info or {
                "general.architecture": model.family,
                "general.parameter_count": 8_190_735_360,
                f"{model.family}.context_length": model.context_length,
                f"{model.family}.embedding_length": 4096,
            },
            "capabilities": model.capabilities,
            "modified_at": CREATED_AT,
        })

    def _ps(self, ex: Exchange) -> None:
        ex.send_json(200, {"models": [
            {
                "name": m.name,
                "model": m.name,
                "size": m.size,
                "digest": m.digest,
                "details": m.details(),
                "expires_at": "2025-10-20T12:10:00.000-07:00",
                "size_vram": m.size if m.size_vram is None else m.size_vram,
                "context_length": m.loaded_num_ctx or 4096,
            }
            for m in self.models.values()
            if m.loaded
        ]})

    def _chat(self, ex: Exchange) -> None:
        model = self._model_or_404(ex)
        if model is None:
            return
        body = ex.request.json
        if body.get("messages") == []:  # load, or with keep_alive 0 unload (`ollama stop`)
            unload = body.get("keep_alive") in (0, "0", "0s")
            model.loaded = not unload
            ex.send_json(200, {"model": model.name, "created_at": CREATED_AT, "done": True,
                               "message": {"role": "assistant", "content": ""},
                               "done_reason": "unload" if unload else "load"})
            return
        think = body.get("think")
        if think not in (None, False) and "thinking" not in model.capabilities:
            ex.send_json(400, {"error": f'"{model.name}" does not support thinking'})
            return
        if body.get("tools") and "tools" not in model.capabilities:
            ex.send_json(400, {"error": f"registry.ollama.ai/library/{model.name} does not support tools"})
            return
        reply = self.next_reply(ex.request)
        if reply is None:
            self.no_reply(ex)
            return
        if reply.error_before is not None:
            err = reply.error_before
            headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else None
            ex.send_json(err.status, {"error": err.message}, headers)
            return
        # Like the real server: num_ctx defaults to 4096 and a longer prompt is cut to fit.
        num_ctx = (body.get("options") or {}).get("num_ctx") or 4096
        model.loaded, model.loaded_num_ctx = True, num_ctx
        if body.get("stream") is False:  # one object, content accumulated (as Ollama does)
            ex.send_json(200, self._whole_reply(model.name, reply, body, num_ctx))
            return
        self.play(ex, reply, NDJSON, [], *self._chat_frames(model.name, reply, body, num_ctx),
                  error_line)

    def _chat_frames(self, name: str, reply: Reply, body: dict[str, Any],
                     num_ctx: int) -> tuple[list[bytes], list[bytes]]:
        frames = []
        for kind, piece in reply.pieces():
            message = {"role": "assistant", "content": piece if kind == "text" else ""}
            if kind == "thinking":
                message["thinking"] = piece
            frames.append(_line({"model": name, "created_at": CREATED_AT, "message": message,
                                 "done": False}))
        if reply.tool_calls:
            calls = [{"id": c.id or f"call_{i:08d}", "function": {"index": i, "name": c.name,
                                                                  "arguments": c.arguments}}
                     for i, c in enumerate(reply.tool_calls)]
            frames.append(_line({"model": name, "created_at": CREATED_AT, "done": False,
                                 "message": {"role": "assistant", "content": "", "tool_calls": calls}}))
        prompt_tokens = reply.prompt_tokens
        if prompt_tokens is None:
            prompt_tokens = min(estimate_tokens(body), num_ctx)
        output_tokens = reply.output_tokens if reply.output_tokens is not None else len(frames)
        eval_ns = max(output_tokens, 1) * 20_000_000  # 50 tokens/s
        final = {
            "model": name,
            "created_at": CREATED_AT,
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": reply.done_reason,
            "total_duration": eval_ns + 150_000_000,
            "load_duration": 100_000_000,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 50_000_000,
            "eval_count": output_tokens,
            "eval_duration": eval_ns,
        }
        return frames, [_line(final)]

    def _whole_reply(self, name: str, reply: Reply, body: dict[str, Any], num_ctx: int) -> dict:
        frames, (final,) = self._chat_frames(name, reply, body, num_ctx)
        whole = json.loads(final)
        message = whole["message"]
        for frame in frames:
            part = json.loads(frame)["message"]
            message["content"] += part.get("content", "")
            if part.get("thinking"):
                message["thinking"] = message.get("thinking", "") + part["thinking"]
            if part.get("tool_calls"):
                message["tool_calls"] = part["tool_calls"]
        return whole

    def _pull(self, ex: Exchange) -> None:
        body = ex.request.json or {}
        name = body.get("model") or body.get("name") or ""
        digest = "sha256:" + hashlib.sha256(name.encode()).hexdigest()
        total = 5_225_376_047
        lines = [{"status": "pulling manifest"}]
        lines += [{"status": f"pulling {digest[7:19]}", "digest": digest, "total": total,
                   "completed": total * step // 4} for step in range(1, 5)]
        lines += [{"status": "verifying sha256 digest"}, {"status": "writing manifest"},
                  {"status": "success"}]
        if name in self.pull_errors:
            lines = lines[:2] + [{"error": self.pull_errors[name]}]
        elif self.find(name) is None:
            self.models[name] = FakeModel(name=name)
        ex.begin_stream(NDJSON)
        for line in lines:
            ex.write(_line(line))
        ex.end_stream()

    def _create(self, ex: Exchange) -> None:
        body = ex.request.json or {}
        name = body.get("model") or body.get("name")
        source = body.get("from")
        if not name:
            ex.send_json(400, {"error": "model is required"})
            return
        if not source:
            ex.send_json(400, {"error": "neither 'from' or 'files' was specified"})
            return
        base = self.find(source)
        if base is None:
            ex.send_json(404, {"error": f"model '{source}' not found"})
            return
        self.models[name] = base.model_copy(update={
            "name": name,
            "loaded": False,
            "system": body.get("system", base.system),
            "parameters": {**base.parameters, **{
                k: v for k, v in (body.get("parameters") or {}).items()
                if k not in self.dropped_parameters
            }},
        })
        ex.begin_stream(NDJSON)
        for status in ("reading model metadata", "creating system layer", "writing manifest",
                       "success"):
            ex.write(_line({"status": status}))
        ex.end_stream()

    def _delete(self, ex: Exchange) -> None:
        model = self._model_or_404(ex)
        if model is None:
            return
        del self.models[model.name]
        ex.send_bytes(200, b"", "application/json")

    def _embed(self, ex: Exchange) -> None:
        model = self._model_or_404(ex)
        if model is None:
            return
        inputs = (ex.request.json or {}).get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        vectors = [[b / 255 for b in hashlib.sha256(t.encode()).digest()[:8]] for t in texts]
        ex.send_json(200, {"model": model.name, "embeddings": vectors,
                           "total_duration": 1_000_000, "prompt_eval_count": len(texts)})


def error_line(mid: MidStreamError) -> bytes:
    return _line({"error": mid.message})
