"""Import a promptfoo config (promptfooconfig.yaml) as an Ingle suite.

An on-ramp, not an emulator: what maps one to one comes over, anything else is named in
one message and nothing is written. Prompts x tests become cases (`{{ var }}` becomes
`{var}`; a var holding a list makes one test per value, as in promptfoo), `defaultTest`
becomes the suite's default checks and vars, `ollama:chat:MODEL` providers become
`models`, and asserts map to checks:

    equals, contains, icontains, regex, starts-with, is-json (its value a JSON schema),
    not-contains, not-icontains, not-regex, llm-rubric (a rubric judge), latency (ms), cost

`javascript`, `python` and every other assert type, `file://` references other than
prompt text or chat JSON, CSV tests, non-Ollama providers and Nunjucks beyond `{{ var }}`
are refused with where they are and what to do.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingle.core.errors import UsageError
from ingle.core.evals.capture import SUITE_NAME
from ingle.core.evals.models import Suite
from ingle.personas.toml_io import toml_key, toml_string, toml_value

SIMPLE = {"equals": "equals", "contains": "contains", "icontains": "contains", "regex": "regex",
          "starts-with": "regex", "is-json": "json_schema", "llm-rubric": "rubric",
          "latency": "latency", "cost": "cost", "not-contains": "regex",
          "not-icontains": "regex", "not-regex": "regex"}
WHY_NOT = {
    "javascript": "javascript asserts run Node code, and Ingle runs no JavaScript from a suite: "
                  "rewrite it as a `python` check (module:function)",
    "python": "promptfoo's python asserts are inline code or files with its own signature: "
              "rewrite it as a `python` check (module:function taking output and case)",
}
IGNORED_TOP = {"outputPath", "sharing", "evaluateOptions", "writeLatestResults", "tags", "env",
               "description", "prompts", "providers", "tests", "defaultTest", "metadata"}
VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
OLLAMA = re.compile(r"^ollama:(?:chat:|completion:)?(?P<model>.+)$")


class Imported(BaseModel):
    name: str
    path: str = ""
    cases: int
    models: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # what was carried over differently
    toml: str = ""


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        import yaml
    except ImportError as exc:  # the `evals` extra
        raise UsageError("importing promptfoo YAML needs PyYAML",
                         "pip install 'ingle[evals]' (or pip install pyyaml)") from exc
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", "check the path") from exc
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {exc}", "fix the file") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a promptfoo config (a mapping with prompts and tests)",
                         "see https://promptfoo.dev/docs/configuration/guide")
    return data


def convert(data: dict[str, Any], name: str, base_dir: Path) -> Imported:
    """The suite's TOML text, or UsageError listing everything that cannot come over."""
    conv = _Converter(base_dir)
    for key in data:
        if key not in IGNORED_TOP:
            conv.refuse(key, "not supported by the import (remove it, or model it in the suite)")
    prompts = conv.prompts(data.get("prompts"))
    models, temperature = conv.providers(data.get("providers"))
    default = data.get("defaultTest") or {}
    if not isinstance(default, dict):
        conv.refuse("defaultTest", "must be a mapping (vars, assert)")
        default = {}
    default_vars = conv.vars_of(default.get("vars"), "defaultTest.vars")
    default_checks = conv.asserts(default.get("assert"), "defaultTest.assert", prefix="default-")
    tests = data.get("tests")
    if isinstance(tests, str):
        conv.refuse("tests", f"'{tests}': tests from a file (CSV, YAML) are not imported; list "
                    "them in the config")
        tests = []
    tests = tests or [{}]
    cases: list[str] = []
    count = 0
    for t_index, test in enumerate(tests if isinstance(tests, list) else [], start=1):
        where = f"tests[{t_index - 1}]"
        if not isinstance(test, dict):
            conv.refuse(where, "must be a mapping (vars, assert)")
            continue
        variables = {**default_vars, **conv.vars_of(test.get("vars"), f"{where}.vars")}
        checks = conv.asserts(test.get("assert"), f"{where}.assert")
        expansions = _expand(variables)
        for p_index, prompt in enumerate(prompts, start=1):
            for e_index, values in enumerate(expansions, start=1):
                count += 1
                case_id = "".join([f"p{p_index}-" if len(prompts) > 1 else "", f"t{t_index}",
                                   f"-{e_index}" if len(expansions) > 1 else ""])
                cases.append(_case_toml(case_id, test.get("description"), prompt, values, checks))
    conv.raise_if_refused()
    head = [f"# Imported from promptfoo ({name}) by `ingle eval import`.", f"name = {toml_string(name)}"]
    if data.get("description"):
        head.append(f"description = {toml_string(str(data['description']))}")
    if models:
        head.append(f"models = {toml_value(models)}")
    if temperature is not None:
        head.append(f"temperature = {toml_value(float(temperature))}")
    text = "\n".join(head) + "\n"
    if default_checks:
        text += "\n" + "\n".join(f"[[checks]]\n{c}" for c in default_checks) + "\n"
    text += "".join("\n" + c for c in cases)
    return Imported(name=name, cases=count, models=models, notes=conv.notes, toml=text)


def check_suite(text: str, name: str) -> Suite:
    import tomllib

    data = tomllib.loads(text)
    data.setdefault("name", name)
    return Suite.model_validate(data)


class _Converter:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.refused: list[str] = []
        self.notes: list[str] = []

    def refuse(self, where: str, why: str) -> None:
        self.refused.append(f"{where}: {why}")

    def raise_if_refused(self) -> None:
        if self.refused:
            listing = "; ".join(self.refused)
            raise UsageError(f"cannot import {len(self.refused)} part(s) of the promptfoo config, "
                             f"nothing was written: {listing}",
                             "remove or rewrite those parts (see `ingle eval import --help`), "
                             "then import again")

    # -- prompts ----------------------------------------------------------------------
    def prompts(self, raw: Any) -> list[str | list[dict[str, str]]]:
        items = raw if isinstance(raw, list) else [raw] if raw else []
        if not items:
            self.refuse("prompts", "a config needs at least one prompt")
        out: list[str | list[dict[str, str]]] = []
        for index, item in enumerate(items):
            where = f"prompts[{index}]"
            if isinstance(item, dict):
                item = item.get("raw") or item.get("prompt") or item.get("id")
            if not isinstance(item, str):
                self.refuse(where, "must be text, file://PATH, or a mapping with `raw`")
                continue
            bare = "\n" not in item and (self.base_dir / item.strip()).is_file()
            if item.startswith("file://") or bare:  # promptfoo reads a bare existing path too
                item = self._prompt_file(item if not bare else "file://" + item.strip(), where)
                if item is None:
                    continue
            chat = _chat(item)
            if chat is not None:
                out.append([{"role": m["role"], "content": self._template(m["content"], where)}
                            for m in chat])
            else:
                out.append(self._template(item, where))
        return out

    def _prompt_file(self, ref: str, where: str) -> str | None:
        path = (self.base_dir / ref[len("file://"):]).resolve()
        if path.suffix not in (".txt", ".md", ".json", ".j2", ".prompt"):
            self.refuse(where, f"'{ref}': only text and chat-JSON prompt files are imported, "
                        "not code")
            return None
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            self.refuse(where, f"'{ref}': {exc.strerror}")
            return None

    def _template(self, text: str, where: str) -> str:
        converted = VAR.sub(lambda m: "{" + m[1] + "}", text)
        if "{{" in converted or "{%" in converted or "{#" in converted:
            self.refuse(where, "uses Nunjucks beyond {{ var }} (filters, tags or expressions); "
                        "write it with plain {{ var }} placeholders")
        return converted

    # -- providers ----------------------------------------------------------------------
    def providers(self, raw: Any) -> tuple[list[str], float | None]:
        items = raw if isinstance(raw, list) else [raw] if raw else []
        models: list[str] = []
        temperatures: set[float] = set()
        for index, item in enumerate(items):
            where = f"providers[{index}]"
            config: dict[str, Any] = {}
            if isinstance(item, dict):
                config = item.get("config") or {}
                if item.get("prompts"):
                    self.notes.append(f"{where}: prompts restriction not carried over (every "
                                      "model answers every prompt)")
                item = item.get("id")
            match = OLLAMA.match(item) if isinstance(item, str) else None
            if match is None:
                self.refuse(where, f"'{item}': only ollama:chat:MODEL providers are imported; "
                            "Ingle's models are Ollama or configured endpoints (use --models)")
                continue
            models.append(match["model"])
            if "temperature" in config:
                temperatures.add(float(config["temperature"]))
            ignored = sorted(k for k in config if k != "temperature")
            if ignored:
                self.notes.append(f"{where}: config {', '.join(ignored)} not carried over "
                                  "(the persona's settings apply)")
        if len(temperatures) > 1:
            self.refuse("providers", "differ in temperature; a suite has one (split the config)")
        return models, (temperatures.pop() if temperatures else None)

    # -- vars and asserts -----------------------------------------------------------------
    def vars_of(self, raw: Any, where: str) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.refuse(where, "must be a mapping of names to values")
            return {}
        out: dict[str, Any] = {}
        for key, value in raw.items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, (dict, list)) for v in values):
                self.refuse(f"{where}.{key}", "nested values are not imported (use text)")
                continue
            if any(isinstance(v, str) and v.startswith("file://") for v in values):
                self.refuse(f"{where}.{key}", "file:// vars are not imported (paste the text)")
                continue
            texts = ["" if v is None else str(v) for v in values]
            out[str(key)] = texts if isinstance(value, list) else texts[0]
        return out

    def asserts(self, raw: Any, where: str, prefix: str = "") -> list[str]:
        items = raw if isinstance(raw, list) else []
        if raw is not None and not isinstance(raw, list):
            self.refuse(where, "must be a list of asserts")
        checks: list[str] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            at = f"{where}[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                self.refuse(at, "an assert needs a `type`")
                continue
            kind = item["type"]
            if kind not in SIMPLE:
                self.refuse(at, WHY_NOT.get(kind, f"assert type '{kind}' is not supported "
                            f"(supported: {', '.join(SIMPLE)})"))
                continue
            fields = self._check(kind, item, at)
            if fields is None:
                continue
            base = str(item.get("metric") or kind)
            seen[base] = seen.get(base, 0) + 1
            name = prefix + (base if seen[base] == 1 else f"{base}-{seen[base]}")
            lines = [f"type = {toml_string(SIMPLE[kind])}", f"name = {toml_string(name)}"]
            lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in fields.items()]
            checks.append("\n".join(lines))
        return checks

    def _check(self, kind: str, item: dict[str, Any], at: str) -> dict[str, Any] | None:
        value = item.get("value")
        fields: dict[str, Any] = {}
        if isinstance(value, str) and value.startswith("file://"):
            self.refuse(at, "file:// assert values are not imported (paste the value)")
            return None
        if kind in ("equals", "contains", "icontains", "regex", "starts-with", "not-contains",
                    "not-icontains", "not-regex", "llm-rubric"):
            if value is None or isinstance(value, (dict, list)):
                self.refuse(at, f"{kind} needs a text value")
                return None
            text = str(value)
            if kind in ("equals", "contains", "icontains"):
                fields["value"] = text
                fields["ignore_case"] = kind == "icontains"
            elif kind == "regex":
                fields["pattern"] = text
            elif kind == "starts-with":
                fields["pattern"] = r"\A" + re.escape(text)
            elif kind == "not-regex":
                fields["pattern"] = rf"\A(?![\s\S]*(?:{text}))"
            elif kind in ("not-contains", "not-icontains"):
                fields["pattern"] = rf"\A(?![\s\S]*{re.escape(text)})"
                fields["ignore_case"] = kind == "not-icontains"
            else:  # llm-rubric: promptfoo passes at the judge's "pass"; our score is 0-1
                fields["rubric"] = text
                fields["threshold"] = float(item.get("threshold", 0.5))
                if item.get("provider"):
                    self.notes.append(f"{at}: graded by my-reviewer, not {item['provider']}")
        elif kind == "is-json":
            fields["schema"] = value if isinstance(value, dict) else {}
        elif kind in ("latency", "cost"):
            if not isinstance(item.get("threshold"), (int, float)):
                self.refuse(at, f"{kind} needs a numeric threshold")
                return None
            limit = float(item["threshold"])
            fields["max"] = limit / 1000 if kind == "latency" else limit  # promptfoo: ms
        if "weight" in item:
            fields["weight"] = float(item["weight"])
        if "threshold" in item and kind not in ("llm-rubric", "latency", "cost"):
            self.notes.append(f"{at}: threshold ignored (a {kind} check passes or fails)")
        return fields


def _chat(text: str) -> list[dict[str, str]] | None:
    """A prompt given as a JSON list of chat messages, as promptfoo allows."""
    stripped = text.strip()
    if not stripped.startswith("["):
        return None
    try:
        parsed = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    if isinstance(parsed, list) and parsed and all(
            isinstance(m, dict) and isinstance(m.get("role"), str)
            and isinstance(m.get("content"), str) for m in parsed):
        return parsed
    return None


def _expand(variables: dict[str, Any]) -> list[dict[str, str]]:
    """One set of values per combination of list-valued vars (promptfoo's expansion)."""
    keys = list(variables)
    pools = [v if isinstance(v, list) else [v] for v in variables.values()]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*pools)] or [{}]


def _case_toml(case_id: str, description: Any, prompt: str | list[dict[str, str]],
               values: dict[str, str], checks: list[str]) -> str:
    lines = [f"# {' '.join(str(description).split())}"] if description else []
    lines += ["[[cases]]", f"id = {toml_string(case_id)}"]
    if isinstance(prompt, list):  # chat messages: the vars filled in here
        def fill(text: str) -> str:
            for key, value in values.items():
                text = text.replace("{" + key + "}", value)
            return text
        lines.append("messages = [")
        lines += [f"  {{ role = {toml_string(m['role'])}, content = {toml_string(fill(m['content']))} }},"
                  for m in prompt]
        lines.append("]")
    else:
        lines.append(f"prompt = {toml_string(prompt)}")
        if values:
            lines.append(f"vars = {toml_value(values)}")
    lines += [f"[[cases.checks]]\n{c}" for c in checks]
    return "\n".join(lines) + "\n"


def import_file(path: Path, suites_dir: Path, *, name: str | None = None, out: Path | None = None,
                force: bool = False) -> Imported:
    """Convert `path` and write the suite (to `out`, else `suites_dir/NAME.toml`) only once
    the whole config converted and the result reads back as a valid suite."""
    if not path.is_file():
        raise UsageError(f"no promptfoo config {path}", "give the path of a promptfooconfig.yaml")
    name = name or re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-") or "imported"
    if not SUITE_NAME.match(name):
        raise UsageError(f"'{name}' is not a suite name", "use lower-case letters, digits, - and _")
    target = out or suites_dir / f"{name}.toml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; nothing was written",
                         "pass --force to replace it, or --out another path")
    imported = convert(read_yaml(path), name, path.parent)
    try:
        check_suite(imported.toml, name)
    except ValueError as exc:  # a value promptfoo accepts that our suite format does not
        raise UsageError(f"the imported suite would not load, nothing was written: "
                         f"{str(exc).splitlines()[0]}", "fix that part of the config") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_text(imported.toml, encoding="utf-8")
    partial.replace(target)  # atomic: the old file or the whole new one, never half
    imported.path = str(target)
    return imported
