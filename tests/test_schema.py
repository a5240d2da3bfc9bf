"""schemas/storyboard.schema.json is generated from the model and must stay current."""

from __future__ import annotations

import json
import re
from pathlib import Path

import storyboard
from storyboard.load.schema import json_schema, schema_path

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "storyboard.schema.json"
REGENERATE = "run `storyboard schema | tee schemas/storyboard.schema.json > storyboard/schemas/storyboard.schema.json`"


def test_committed_schema_is_current():
    committed = json.loads(SCHEMA_FILE.read_text())
    assert committed == json_schema(), REGENERATE


def test_the_package_ships_the_schema_and_says_where():
    assert json.loads(schema_path().read_text()) == json_schema(), REGENERATE
    assert schema_path().parent.parent == Path(storyboard.__file__).parent


def test_settings_carry_the_real_defaults_and_no_key_defaults_to_null():
    schema = json_schema()
    settings = schema["$defs"]["FileSettings"]["properties"]  # the file's settings
    assert {k: settings[k]["default"] for k in ("provider", "tier", "resolution", "duration")} == {
        "provider": "local",
        "tier": "std",
        "resolution": "1080p",
        "duration": 5,
    }
    # 16:9 plain is the number 969 to YAML 1.1 (check refuses it): editors insert it quoted
    assert "default" not in settings["aspect_ratio"]
    assert settings["aspect_ratio"]["defaultSnippets"] == [{"label": '"16:9" (default)', "body": '^"${1:16:9}"'}]
    # and its values are a pattern, each offered quoted: the same choice, no plain value to insert
    (ratios, _) = settings["aspect_ratio"]["anyOf"]
    assert "enum" not in ratios and [s["body"] for s in ratios["defaultSnippets"]][0] == '"16:9"'
    match = re.compile(ratios["pattern"]).fullmatch
    assert [v for v in ("16:9", "9:16", "1:1", "4:3", "3:4", "5:4", "16:9x", "") if match(v)] == [
        "16:9", "9:16", "1:1", "4:3", "3:4"
    ]  # fmt: skip
    nulls = [
        (name, key)
        for name, d in [("Storyboard", schema), *schema["$defs"].items()]
        for key, prop in d.get("properties", {}).items()
        if "default" in prop and prop["default"] is None
    ]
    assert nulls == []
    assert "default" not in schema["$defs"]["Shot"]["properties"]["duration"]  # a shot's is the file's


def test_schema_describes_the_language():
    schema = json_schema()
    assert set(schema["properties"]) == {
        "version",
        "title",
        "include",
        "settings",
        "vars",
        "characters",
        "assets",
        "deliverables",
        "shots",
        "cut",
        "soundtrack",
        "captions",
    }
    assert set(schema["required"]) == {"version", "shots"}
    shot = schema["$defs"]["Shot"]
    assert {"id", "prompt"} <= set(shot["required"])
    assert shot["additionalProperties"] is False
    assert shot["properties"]["id"]["pattern"] == "^[a-z0-9][a-z0-9_-]*$"


def test_schema_describes_the_finished_cut():
    schema = json_schema()
    settings = schema["$defs"]["FileSettings"]["properties"]
    assert {"fps", "loudness", "timeline", "asset_roots"} <= set(settings)
    assert "asset_roots" not in schema["$defs"]["Deliverable"]["properties"]  # the file's alone
    assert settings["fps"]["anyOf"][0]["enum"] == [32, 23.976, 24, 25, 29.97, 30]
    assert {"fps", "loudness", "timeline"} <= set(schema["$defs"]["Deliverable"]["properties"])  # inherited
    entry = schema["properties"]["cut"]["anyOf"][0]["items"]["oneOf"]
    assert entry[0] == {"type": "string"} and {e.get("$ref") for e in entry[1:]} == {
        "#/$defs/CutShot",
        "#/$defs/CutCard",
    }
    types = schema["$defs"]["Transition"]["properties"]["type"]["enum"]
    assert {"fade", "dissolve", "wipeleft", "revealdown", "crossfade"} <= set(types) and "custom" not in types
