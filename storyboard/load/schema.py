"""The JSON Schema of the storyboard language, generated from the pydantic model.

Editors complete a key with its schema ``default``. The model's fields default to None (a shot
inherits the file's settings), so the generated schema said ``default: null`` everywhere and
completion inserted ``key: null``. Here the file's ``settings`` carry the real defaults (what a
key left out means: DEFAULTS and the language's own), and every other null default is dropped,
the file's own keys' (``title``, ``cut``, ...) too: a shot's ``duration`` has no default of its
own, it has the file's. A default YAML 1.1 would misread written plain (``16:9``) is a quoted
snippet instead (:func:`_set_default`).

The schema ships inside the package (``storyboard/schemas/``, where ``storyboard schema --path``
points and ``storyboard init``'s ``$schema`` line leads); the repository keeps the same file
under ``schemas/`` for its examples. Tests keep both equal to :func:`json_schema`.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

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
    for name, definition in [("Storyboard", schema), *schema.get("$defs", {}).items()]:  # the file's own keys too
        for key, prop in definition.get("properties", {}).items():
            if "default" in prop and prop["default"] is None:
                del prop["default"]
                if name in ("Settings", "FileSettings") and key in SETTINGS_DEFAULTS:
                    _set_default(prop, SETTINGS_DEFAULTS[key])
    _quote_misread_enums(schema)
    return schema


def _misread(value: object) -> bool:
    """A string YAML 1.1 reads as something else when written plain (``16:9`` is the number 969)."""
    return isinstance(value, str) and yaml.safe_load(value) != value  # PyYAML reads YAML 1.1


def _quote_misread_enums(node: Any) -> None:
    """An enum with a value YAML 1.1 misreads becomes the same choice as an anchored pattern, each value
    offered as a quoted snippet: the YAML language server inserts an enum's values plain, which `check`
    refuses (Y008), and would offer them beside any snippet. Validation is unchanged."""
    if isinstance(node, list):
        for item in node:
            _quote_misread_enums(item)
        return
    if not isinstance(node, dict):
        return
    values = node.get("enum")
    if isinstance(values, list) and any(_misread(v) for v in values) and all(isinstance(v, str) for v in values):
        del node["enum"]
        node["pattern"] = "^(?:" + "|".join(re.escape(v) for v in values) + ")$"
        node["patternErrorMessage"] = "expected one of " + ", ".join(f'"{v}"' for v in values) + " (quoted)"
        node["defaultSnippets"] = [{"label": f'"{v}"', "body": f'"{v}"'} for v in values]
    for child in node.values():
        _quote_misread_enums(child)


def _set_default(prop: dict[str, Any], default: Any) -> None:
    """Give ``prop`` its default as an editor inserts it on completing the key.

    The YAML language server writes a string default plain, and `aspect_ratio: 16:9` plain is the
    number 969 to YAML 1.1, which `check` refuses (Y008). Such a default is offered as the one
    snippet, quoted, instead: beside a `default` the server would offer neither (two proposals
    insert a bare placeholder). The description says the default to hover and to readers.
    """
    if _misread(default):
        # its own label: the value's quoted snippets (_quote_misread_enums) carry the bare one, and the
        # server merges two proposals of one label into a broken choice
        prop["defaultSnippets"] = [{"label": f'"{default}" (default)', "body": f'^"${{1:{default}}}"'}]
    else:
        prop["default"] = default


def schema_path() -> Path:
    """The schema file inside the installed package."""
    return Path(str(resources.files("storyboard") / "schemas" / SCHEMA_FILE))
