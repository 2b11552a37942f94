"""Install the top-level folders (fixed by the product's design) as one namespace, `ingle.*`.

pyproject.toml holds the metadata; this file only maps `core/` to `ingle.core` and so on,
so the wheel's one top-level name is `ingle`.
"""

from setuptools import find_packages, setup

FOLDERS = ("core", "memory", "personas", "validators", "tui", "themes")
packages = [f"ingle.{name}" for name in find_packages(include=[f"{f}*" for f in FOLDERS])]
setup(packages=packages, package_dir={"ingle": "."})
