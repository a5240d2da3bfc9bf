"""The JSON Schema of the storyboard language, generated from the pydantic model."""

from __future__ import annotations

from typing import Any

from .model import Storyboard

SCHEMA_ID = "https://storyboard.dev/schemas/storyboard.schema.json"


def json_schema() -> dict[str, Any]:
    """What ``storyboard schema`` prints and schemas/storyboard.schema.json holds (a test keeps the two equal)."""
    schema = Storyboard.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema
