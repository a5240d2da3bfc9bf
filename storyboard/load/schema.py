"""The JSON Schema of the storyboard language, generated from the pydantic model.

Editors complete a key with its schema ``default``. The model's fields default to None (a shot
inherits the file's settings), so the generated schema said ``default: null`` everywhere and
completion inserted ``key: null``. Here the file's ``settings`` carry the real defaults (what a
key left out means: DEFAULTS and the language's own), and every other null default is dropped:
a shot's ``duration`` has no default of its own, it has the file's.

The schema ships inside the package (``storyboard/schemas/``, where ``storyboard schema --path``
points and ``storyboard init``'s ``$schema`` line leads); the repository keeps the same file
under ``schemas/`` for its examples. Tests keep both equal to :func:`json_schema`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from .model import DEFAULTS, Storyboard

SCHEMA_ID = "https://storyboard.dev/schemas/storyboard.schema.json"
SCHEMA_FILE = "storyboard.schema.json"
# what a key of `settings` left out means, beyond DEFAULTS (the language's prose: DESIGN.md)
SETTINGS_DEFAULTS: dict[str, Any] = {**DEFAULTS, "takes": 1, "fps": 32, "timeline": ["otio"]}


def json_schema() -> dict[str, Any]:
    """What ``storyboard schema`` prints and the shipped schema file holds."""
    schema = Storyboard.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    for name, definition in schema.get("$defs", {}).items():
        for key, prop in definition.get("properties", {}).items():
            if "default" in prop and prop["default"] is None:
                del prop["default"]
                if name in ("Settings", "FileSettings") and key in SETTINGS_DEFAULTS:
                    prop["default"] = SETTINGS_DEFAULTS[key]
    return schema


def schema_path() -> Path:
    """The schema file inside the installed package."""
    return Path(str(resources.files("storyboard") / "schemas" / SCHEMA_FILE))
