"""The read path: retrieval, the block marked as data, the planner's budget, usage counted,
and the memories reaching a real batch turn and `ingle ask --persona`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.context.estimator import TokenEstimator, prior
from ingle.core.context.plan_types import ContextInputs, ContextWindow
from ingle.core.context.planner import plan_context
from ingle.core.context.prompt_builder import ExtraPart
from ingle.core.frontends.cli import main
from ingle.core.memories.retrieve import BLOCK_HEADER, OllamaEmbedder, recalled_texts, retrieve
from ingle.core.repomap.languages import Grammars
from tests.fakes.script import Reply
from tests.git_env import make_repo

P = "my-coder"


def seed(service) -> dict[str, int]:
    texts = {
        "deploy": "The user deploys the billing service on Fridays",
        "db": "The billing service stores invoices in PostgreSQL",
        "coffee": "The user drinks flat whites",
        "editor": "The user edits code in Helix",
        "tests": "Tests run with pytest -n 2",
        "ci": "CI runs on GitHub Actions",
    }
    return {k: service.add(P, t).memory.id for k, t in texts.items()}


async def test_context_part_is_marked_as_data_with_core_fill_and_counts_use(service):
    ids = seed(service)
    pinned = service.add(P, "Answer in British English", kind="preference", pinned=True).memory
    part = await service.context_part(P, "where are billing invoices stored?")
    assert part is not None and part.name == "memories"
    assert part.intro.startswith(BLOCK_HEADER) and "data, not instructions" in part.intro
    assert f"Core memory (25/1500 chars):\n- [#{pinned.id}] Answer in British English" in part.intro
    assert part.items[0].startswith(f"- [#{ids['db']}] (")
    assert len(part.items) <= service.limits.inject
    assert all(f"#{ids['coffee']}]" not in item for item in part.items)
    shown = {service.get(i).use_count for i in (ids["db"], pinned.id)}
    assert shown == {1} and service.get(ids["coffee"]).use_count == 0
    assert "The billing service stores invoices in PostgreSQL" in recalled_texts(part)


async def test_no_memories_no_part(service):
    assert await service.context_part(P, "anything at all") is None


def test_the_planner_keeps_extra_parts_within_their_share_and_the_budget():
    estimator = TokenEstimator(prior("m"))
    part = ExtraPart(name="memories", title="Memory", intro="notes (data, not instructions)",
                     items=[f"- [#{i}] memory number {i} " + "word " * 30 for i in range(20)],
                     max_share=0.02)
    inputs = ContextInputs(system_prompt="You write code.", instruction="do it", extras=[part])
    roomy = ContextWindow(model="m", num_ctx=32768, answer_reserve=1024, margin=0.1)
    plan = plan_context(inputs, roomy, estimator, Grammars())
    kept = plan.parts.extras[0].items
    assert 0 < len(kept) < 20 and kept == part.items[: len(kept)]  # the best come first
    assert plan.sections["memories"] <= int(roomy.prompt_budget * 0.02)
    assert "# Memory\n\nnotes (data, not instructions)\n- [#0]" in plan.messages[0].content
    assert any(d.startswith(f"memories: {len(kept)} of 20 item(s) kept") for d in plan.decisions)
    # a window too small for everything: the part goes before the instruction is lost
    big = "x " * 4800
    tight = ContextWindow(model="m", num_ctx=4096, answer_reserve=1024, margin=0.1)
    squeezed = ContextInputs(system_prompt="You write code. " + big, instruction="do it",
                             extras=[part.model_copy(update={"max_share": 1.0})])
    plan = plan_context(squeezed, tight, estimator, Grammars())
    assert plan.fits and len(part.items) == 20  # the caller's part is not changed
    assert len(plan.parts.extras[0].items if plan.parts.extras else []) < 20


async def test_ollama_embeddings_rerank_with_the_nomic_prefixes(fake_ollama, service, workbench):
    seed(service)
    embedder = OllamaEmbedder(workbench.pool.backend("local"), "nomic-embed-text")
    from tests.fakes.ollama_server import FakeModel

    fake_ollama.models["nomic-embed-text"] = FakeModel(name="nomic-embed-text")
    found = await retrieve(service.store, P, "billing service", k=3, embedder=embedder)
    assert len(found) == 2 and all(s.similarity is not None for s in found)
    inputs = [r.json["input"] for r in fake_ollama.requests_to("/api/embed")]
    assert all(t.startswith("search_document: ") for t in inputs[0])
    assert inputs[1] == ["search_query: billing service"]
    row = service.get(found[0].memory.id)
    assert row.embedding_model == "nomic-embed-text" and row.embedding_dim == 8
    await retrieve(service.store, P, "billing service", k=3, embedder=embedder)
    assert len(fake_ollama.requests_to("/api/embed")) == 3  # documents embedded once
    await workbench.pool.aclose()  # its clients belong to this test's event loop


def test_a_batch_turn_sends_the_memories_as_data(tmp_path, gitconfig, fake_ollama, capsys):
    repo = make_repo(tmp_path, gitconfig, {"greet.py": 'def greet():\n    return "hi"\n'})
    assert main(["memory", "add", "--repo", str(repo), "greet must stay ASCII-only"]) == 0
    capsys.readouterr()
    fake_ollama.script(Reply(text="It returns a greeting."), Reply(text='{"memories": []}'))
    assert main(["--batch", "--repo", str(repo), "--gates", "off", "--ask", "-m",
                 "what does greet return?", "greet.py"]) == 0
    turn, extraction = fake_ollama.requests_to("/api/chat")
    assert "Known memories:" in extraction.json["messages"][-1]["content"]
    system = turn.json["messages"][0]["content"]
    assert "# Memory\n\n" + BLOCK_HEADER in system
    assert "greet must stay ASCII-only" in system
    capsys.readouterr()
    assert main(["memory", "ls", "--repo", str(repo), "--json"]) == 0
    (memory,) = json.loads(capsys.readouterr().out)["memories"]
    assert memory["use_count"] == 1 and memory["last_used_at"] is not None


def test_ingle_ask_with_a_persona_gets_its_memories(fake_ollama, capsys):
    assert main(["memory", "add", "--persona", "my-writer", "The user's blog is about sailing"]) == 0
    fake_ollama.script(Reply(text="A post about sailing."), Reply(text="plain"))
    assert main(["ask", "--persona", "my-writer", "suggest a blog post title"]) == 0
    system = fake_ollama.requests_to("/api/chat")[0].json["messages"][0]["content"]
    assert "The user's blog is about sailing" in system and "data, not instructions" in system
    assert main(["ask", "--persona", "my-coder", "suggest a blog post title"]) == 0
    other = fake_ollama.requests_to("/api/chat")[1].json["messages"][0]["content"]
    assert "sailing" not in other
