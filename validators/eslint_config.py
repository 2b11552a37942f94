"""The ESLint flat config the JavaScript gate runs with, written per run to a temp dir.

A small rule set of things that crash or misbehave at run time (const reassigned, a
name used before its `let`, an undefined name, a duplicate key), never style. Globals
come from the `globals` package (browser and Node, since a .js file may be either),
resolved from Ingle's cache, the project, or next to ESLint; without it no-undef is off
rather than wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

RULES: dict[str, object] = {
    "no-const-assign": "error",
    # Same-scope uses only: a function body may name a later top-level `let`, which is
    # fine at run time; `for (let fish of fish)` and `f(x); let x` are not.
    "no-use-before-define": ["error", {"functions": False, "classes": False, "variables": False}],
    "no-undef": "error",
    # Only redeclarations in the code: a script's `var name` is not a clash with window.name.
    "no-redeclare": ["error", {"builtinGlobals": False}],
    "no-dupe-keys": "error",
    "no-dupe-class-members": "error",
    "no-dupe-args": "error",
    "no-func-assign": "error",
    "no-class-assign": "error",
    "no-import-assign": "error",
    "no-this-before-super": "error",
    "constructor-super": "error",
    "no-obj-calls": "error",
    "no-new-native-nonconstructor": "error",
    "no-unreachable": "warn",
    "no-self-assign": "warn",
    "valid-typeof": "warn",
    "use-isnan": "warn",
}

_MODULE_SYNTAX = re.compile(r"^\s*(import\s*[\w{*'\"]|export\s)", re.MULTILINE)
_TOP_LEVEL_NAME = re.compile(
    r"^(?:async\s+)?(?:function\s*\*?\s*|class\s+|var\s+|let\s+|const\s+)([A-Za-z_$][\w$]*)",
    re.MULTILINE,
)


def is_module(source: str, path: str) -> bool:
    if path.endswith(".mjs"):
        return True
    if path.endswith(".cjs"):
        return False
    return bool(_MODULE_SYNTAX.search(source))


def shared_script_globals(root: Path, directories: Iterable[str]) -> list[str]:
    """Top-level names declared by classic scripts in these directories. A page loads
    several scripts that share globals; without these, no-undef would flag every one."""
    names: set[str] = set()
    for directory in directories:
        for script in sorted((root / directory).glob("*.js"))[:200]:
            try:
                text = script.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if not is_module(text, script.name):
                names.update(_TOP_LEVEL_NAME.findall(text))
    return sorted(names)


def flat_config(
    script_files: list[str],
    commonjs_files: list[str],
    script_globals: list[str],
    globals_bases: list[str],
) -> str:
    """eslint.config.mjs source. Files are patterns relative to ESLint's cwd (the root)."""
    data = json.dumps(
        {
            "rules": RULES,
            "scripts": script_files,
            "commonjs": commonjs_files,
            "shared": dict.fromkeys(script_globals, "writable"),
            "bases": [b.rstrip("/") + "/" for b in globals_bases],
        }
    )
    return f"""// Written by Ingle's JavaScript gate for one run.
import {{ createRequire }} from "node:module";
const data = {data};
let known = null;
for (const base of data.bases) {{
  try {{ known = createRequire(base)("globals"); break; }} catch {{}}
}}
const globals = known ? {{ ...known.browser, ...known.node }} : {{}};
const rules = {{ ...data.rules }};
if (!known) delete rules["no-undef"];
const base = {{ ecmaVersion: "latest", globals }};
export default [
  {{
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: {{ ...base, sourceType: "module" }},
    linterOptions: {{ noInlineConfig: true, reportUnusedDisableDirectives: "off" }},
    rules,
  }},
  ...(data.scripts.length ? [{{
    files: data.scripts,
    languageOptions: {{ ...base, sourceType: "script", globals: {{ ...globals, ...data.shared }} }},
  }}] : []),
  ...(data.commonjs.length ? [{{
    files: data.commonjs,
    languageOptions: {{ ...base, sourceType: "commonjs" }},
  }}] : []),
];
"""
