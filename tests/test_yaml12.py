"""storyboard (YAML 1.1, PyYAML) and the editor (YAML 1.2 and the JSON Schema) read a file alike.

The YAML 1.2 side is not ours: ``tests/data/yaml12/core.json`` is how eemeli/yaml (the
parser behind the editors' YAML language servers) reads each form of ``forms.json``,
recorded by ``record.mjs`` beside it (CI has no Node). The JSON Schema side is the
``jsonschema`` validator over ``storyboard schema``. A value is refused (Y008) exactly when
the two YAML readings differ; where they agree, the compiler and the schema give one verdict.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from storyboard.diagnostics import Diagnostics
from storyboard.load.schema import json_schema
from storyboard.load.yamlsource import read_source
from storyboard.ops import check

DATA = Path(__file__).parent / "data" / "yaml12"
FORMS: list[str] = json.loads((DATA / "forms.json").read_text())
CORE: dict[str, dict[str, Any]] = json.loads((DATA / "core.json").read_text())["read"]


def yaml12(form: str) -> Any:
    """The recorded YAML 1.2 reading of ``x: <form>``."""
    entry = CORE[form]
    if "repr" in entry:
        return float(entry["repr"])
    if entry["type"] == "null":
        return None
    if entry["type"] == "float":
        return float(entry["value"])
    return entry["value"]


def same(a: Any, b: Any) -> bool:
    """Equal in type and value (True is not 1, 1 is not 1.0, nan is nan)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def numerically(a: Any, b: Any) -> bool:
    """The same number, whole or not (`10` for `1e1`, which YAML 1.2 reads as 10.0)."""
    numbers = (int, float)
    return all(isinstance(x, numbers) and not isinstance(x, bool) for x in (a, b)) and bool(a == b)


def ours(tmp_path: Path, text: str) -> tuple[Any, Diagnostics]:
    path = tmp_path / "storyboard.yaml"
    path.write_text(text, encoding="utf-8")
    diagnostics = Diagnostics()
    _, data = read_source(path, diagnostics)
    return data, diagnostics


def test_every_form_has_its_recorded_reading() -> None:
    assert set(FORMS) == set(CORE) and len(FORMS) >= 80


@pytest.mark.parametrize("form", FORMS)
def test_a_value_is_refused_exactly_when_the_two_yaml_versions_read_it_otherwise(tmp_path: Path, form: str) -> None:
    data, diagnostics = ours(tmp_path, f"x: {form}\n")
    codes = [d.code for d in diagnostics]
    assert set(codes) <= {"Y008"}, codes
    try:
        yaml11 = yaml.safe_load(f"x: {form}\n")["x"]  # PyYAML's own reading, not the loader's
    except (
        yaml.YAMLError,
        ValueError,
    ):  # `=`, `<<`, `2020-13-45`: tags with no value in 1.1; text to the loader, as in 1.2
        yaml11 = None
        assert not codes and same(data["x"], yaml12(form))
        return
    if isinstance(yaml11, datetime.date):  # YAML 1.1 alone has dates: the loader reads the text both see
        assert not codes and same(data["x"], yaml12(form))
        return
    if same(yaml11, yaml12(form)):
        assert not codes and same(data["x"], yaml11), f"{form!r} reads alike in both but was refused"
        return
    assert codes == ["Y008"], f"{form!r}: YAML 1.1 reads {yaml11!r}, YAML 1.2 {yaml12(form)!r}; not refused"
    (d,) = list(diagnostics)
    assert (d.location.line, d.location.column) == (1, 4) and d.help
    fix = re.match(r"write (\S+?)[,]?(?: |$)", d.help)
    quoted = re.search(r"quote it:? \('([^']*)'\)|quote it: '([^']*)'", d.help)
    assert fix or quoted, d.help
    if fix:  # what the help says to write reads alike in both, as one of the two readings
        written, again = ours(tmp_path, f"x: {fix.group(1)}\n")
        readings = (yaml11, yaml12(form))
        assert not list(again) and any(same(written["x"], r) or numerically(written["x"], r) for r in readings), d.help


# fields of each type the language has: (where the value goes, a document with a {} for it)
FIELDS = {
    "integer": "version: 1\nsettings:\n  duration: {}\nshots: [{{id: a, prompt: x}}]\n",
    "boolean": "version: 1\nshots: [{{id: a, prompt: x, sound: {}}}]\n",
    "enum": "version: 1\nsettings:\n  aspect_ratio: {}\nshots: [{{id: a, prompt: x}}]\n",
    "text": "version: 1\ntitle: {}\nshots: [{{id: a, prompt: x}}]\n",
}
SCHEMA_FORMS = [f for f in FORMS if f not in ("=", "<<", ".", "~", "+")]


@cache
def validator() -> jsonschema.protocols.Validator:
    schema = json_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)  # type: ignore[no-any-return]


def editor_document(template: str, form: str) -> Any:
    """The document as the editor holds it: the recorded YAML 1.2 value in the field's place."""
    data = yaml.safe_load(template.format("PLACEHOLDER"))
    value = yaml12(form)

    def put(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: put(v) for k, v in node.items()}
        if isinstance(node, list):
            return [put(v) for v in node]
        return value if node == "PLACEHOLDER" else node

    return put(data)


@pytest.mark.parametrize("field", list(FIELDS))
def test_the_compiler_and_the_json_schema_agree_on_every_form(tmp_path: Path, field: str) -> None:
    disagreements = []
    for form in SCHEMA_FORMS:
        path = tmp_path / "storyboard.yaml"
        path.write_text(FIELDS[field].format(form), encoding="utf-8")
        diagnostics = check(path).diagnostics
        codes = {d.code for d in diagnostics.errors}
        if "Y008" in codes:
            continue  # refused as ambiguous: the writer must choose a form both read alike
        schema_ok = validator().is_valid(editor_document(FIELDS[field], form))
        if schema_ok == bool(codes):
            disagreements.append((form, sorted(codes), schema_ok))
    assert not disagreements, disagreements
