"""A fresh `storyboard init` project in an editor: the YAML language server finds the schema through
the file's own `$schema` line (no editor setting names it), completes keys with the language's real
defaults, not `null` (`aspect_ratio` quoted: YAML 1.1 reads 16:9 plain as a number), and reports
nothing on the starter, nor on the file with what completion inserted; `check --strict` agrees.

The server is the real one (tests/editor_fixtures.py). Controls show the assertions can fail: a
broken file is flagged, and the model's raw schema, whose defaults are all null, completes `null`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lsprotocol import types as lsp

from storyboard.cli.main import cli
from storyboard.load.model import Storyboard
from storyboard.load.schema import schema_path
from tests.editor_fixtures import Editor, yaml_language_server

pytestmark = pytest.mark.slow
PLACEHOLDER = re.compile(r"\$\{\d+:([^}]*)\}|\$\d+")  # a snippet's ${1:default} and $0 stops


@pytest.fixture(scope="module")
def editor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    """One server for the module: it starts in about half a second."""
    session = Editor(yaml_language_server(), tmp_path_factory.mktemp("editor"))
    try:
        yield session
    finally:
        session.close()


def init(target: Path) -> Path:
    result = CliRunner().invoke(cli, ["init", str(target)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return target / "storyboard.yaml"


def accepted(items: list[lsp.CompletionItem]) -> dict[str, str]:
    """Label -> the text that lands in the file when the item is accepted as offered."""
    out = {}
    for item in items:
        text = item.text_edit.new_text if item.text_edit else item.insert_text or item.label
        if item.insert_text_format == lsp.InsertTextFormat.Snippet:
            text = PLACEHOLDER.sub(lambda m: m.group(1) or "", text)
        out[item.label] = text.strip()
    return out


def blank_line_in_settings(text: str, drop: tuple[str, ...] = ()) -> tuple[str, int]:
    """``text`` with a new indented empty line ending the `settings:` block (the keys in ``drop``
    deleted first), and that line's number: where a user starts typing a key."""
    lines = text.split("\n")
    start = lines.index("settings:")
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    block = [line for line in lines[start + 1 : end] if line.split(":")[0].strip() not in drop]
    lines[start + 1 : end] = [*block, "  "]
    return "\n".join(lines), start + 1 + len(block)


def test_a_fresh_project_checks_clean_in_the_editor_and_on_the_command_line(editor: Editor, tmp_path: Path) -> None:
    board = init(tmp_path / "film")
    assert board.read_text().startswith(f"# yaml-language-server: $schema={schema_path()}\n")
    assert list(editor.diagnostics(editor.open(board))) == []
    check(board)


def accept(text: str, line: int, inserts: list[str]) -> str:
    """``text`` with ``inserts`` typed at the indented empty ``line``, each line of them at its indent
    (as an editor indents a snippet's lines)."""
    lines = text.split("\n")
    indent = lines[line]
    lines[line : line + 1] = [indent + part for insert in inserts for part in insert.split("\n") if part.strip()]
    return "\n".join(lines)


def check(board: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--strict", str(board)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def clean_in_both(editor: Editor, board: Path, text: str, name: str) -> None:
    """``text``, saved beside ``board`` as ``name``: the editor reports nothing and `check --strict` passes."""
    saved = board.with_name(name)
    saved.write_text(text)
    assert list(editor.diagnostics(editor.open(saved))) == [], text
    check(saved)


def test_completion_under_settings_inserts_the_real_defaults_and_the_result_checks_clean(
    editor: Editor, tmp_path: Path
) -> None:
    board = init(tmp_path / "film")
    starter = board.read_text()
    uri = editor.open(board)
    editor.diagnostics(uri)  # the server has read the file and its schema
    # a new line under the starter's settings: the keys it does not set yet
    text, line = blank_line_in_settings(starter)
    editor.change(uri, text)
    offered = accepted(editor.complete(uri, line, 2))
    want = {"aspect_ratio": 'aspect_ratio: "16:9"', "tier": "tier: std", "fps": "fps: 32", "takes": "takes: 1"}
    assert {key: offered.get(key) for key in want} == want, offered
    defaults = [t for t in offered.values() if not t.endswith(":")]  # the keys that have a default
    assert "null" not in " ".join(defaults) and len(defaults) >= 6, offered
    clean_in_both(editor, board, accept(text, line, defaults), "accepted.yaml")
    # the starter's own keys, once deleted, come back with the language's defaults, not the starter's values
    text, line = blank_line_in_settings(starter, drop=("provider", "resolution", "duration"))
    editor.change(uri, text)
    offered = accepted(editor.complete(uri, line, 2))
    want = {"provider": "provider: local", "resolution": "resolution: 1080p", "duration": "duration: 5"}
    assert {key: offered.get(key) for key in want} == want, offered
    assert [t for t in offered.values() if "null" in t] == []
    clean_in_both(editor, board, accept(text, line, [t for t in offered.values() if not t.endswith(":")]), "again.yaml")


def test_completion_of_the_files_own_keys_inserts_no_null(editor: Editor, tmp_path: Path) -> None:
    board = init(tmp_path / "film")
    text = board.read_text().rstrip("\n") + "\n\n"  # a new line at the end, at the left margin
    uri = editor.open(board, text)
    offered = accepted(editor.complete(uri, text.count("\n"), 0))
    assert {"include", "deliverables", "cut", "soundtrack", "captions"} <= set(offered), offered
    assert [t for t in offered.values() if "null" in t] == []


def test_the_editor_reports_what_breaks_the_schema(editor: Editor, tmp_path: Path) -> None:
    board = init(tmp_path / "film")
    text = board.read_text().replace("  duration: 4\n", "  duration: long\n  durashun: 5\n")
    uri = editor.open(board, text)
    lines = text.split("\n")
    flagged = {d.range.start.line for d in editor.diagnostics(uri) if d.severity == lsp.DiagnosticSeverity.Error}
    assert flagged == {lines.index("  duration: long"), lines.index("  durashun: 5")}


def test_control_a_schema_of_null_defaults_completes_null(editor: Editor, tmp_path: Path) -> None:
    raw = tmp_path / "raw.schema.json"  # the model's schema as pydantic writes it, before load/schema.py
    raw.write_text(json.dumps(Storyboard.model_json_schema(mode="validation")))
    board = init(tmp_path / "film")
    text = board.read_text().replace(str(schema_path()), str(raw), 1)
    text, line = blank_line_in_settings(text, drop=("provider", "resolution", "duration"))
    uri = editor.open(board, text)
    offered = accepted(editor.complete(uri, line, 2))
    assert offered["duration"] == "duration: null" and offered["resolution"] == "resolution: null"


def test_completing_an_aspect_ratio_value_offers_each_quoted_and_each_checks_clean(
    editor: Editor, tmp_path: Path
) -> None:
    """The values YAML 1.1 would read as numbers (`16:9` plain is 969) are offered quoted, only so."""
    board = init(tmp_path / "film")
    text, line = blank_line_in_settings(board.read_text())
    lines = text.split("\n")
    lines[line] = "  aspect_ratio: "
    uri = editor.open(board)
    editor.diagnostics(uri)
    editor.change(uri, "\n".join(lines))
    offered = set(accepted(editor.complete(uri, line, len(lines[line]))).values()) - {"null"}
    assert offered == {'"16:9"', '"9:16"', '"1:1"', '"4:3"', '"3:4"'}, offered
    for value in sorted(offered):
        lines[line] = f"  aspect_ratio: {value}"
        clean_in_both(editor, board, "\n".join(lines), "ratio.yaml")
    lines[line] = '  aspect_ratio: "5:4"'
    flagged = editor.diagnostics(editor.open(board.with_name("bad-ratio.yaml"), "\n".join(lines)))
    errors = [d for d in flagged if d.severity == lsp.DiagnosticSeverity.Error]
    assert [d.range.start.line for d in errors] == [line]
    assert '"16:9"' in errors[0].message  # the schema's own message lists the values, quoted
