"""Install the top-level folders (fixed by the product's design) as one namespace, `ingle.*`.

pyproject.toml holds the metadata; this file only maps `core/` to `ingle.core` and so on,
so the wheel's one top-level name is `ingle`.
"""

from setuptools import find_namespace_packages, setup

FOLDERS = ("core", "memory", "personas", "validators", "tui", "themes")
# Namespace packages too, so data-only folders (personas/builtin, personas/examples/*,
# core/evals/builtin) are in the wheel with the package-data globs of pyproject.toml.
packages = [
    f"ingle.{name}"
    for name in find_namespace_packages(include=[f"{f}*" for f in FOLDERS])
    if "__pycache__" not in name
]
setup(packages=packages, package_dir={"ingle": "."})
