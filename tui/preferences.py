"""Choices the app remembers between runs (the theme), in a small JSON file.

Kept apart from config.toml: that file is the person's to write, and the app
must never rewrite it. A broken or unreadable file means defaults, never a crash.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

FILE_NAME = "tui.json"


class Preferences(BaseModel):
    theme: str | None = None

    @classmethod
    def load(cls, data_dir: Path) -> Preferences:
        try:
            return cls.model_validate_json((data_dir / FILE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError):
            return cls()

    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        target = data_dir / FILE_NAME
        partial = target.with_suffix(".tmp")
        partial.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        partial.replace(target)  # atomic: a crash never leaves half a file
