"""storyboard.load: reading YAML safely into data, and pointing back at where things are written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyboard.compile import compile_storyboard
from storyboard.diagnostics import Diagnostics, Location
from storyboard.load import load
from storyboard.load.limits import MAX_DEPTH, MAX_EXPANDED_NODES
from storyboard.load.positions import Source
from storyboard.load.yamlsource import read_source

from .conftest import Project


def read(tmp_path: Path, text: str | bytes) -> tuple[Source, object, Diagnostics]:
    path = tmp_path / "storyboard.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    diagnostics = Diagnostics()
    source, data = read_source(path, diagnostics)
    return source, data, diagnostics


def under(source: Source, loc: Location) -> str:
    """The written text a location underlines."""
    line = source.lines[loc.line - 1]
    return line[loc.column - 1 : loc.column - 1 + loc.length]


def tag_location(
    tmp_path: Path, text: str, path: tuple[str | int, ...], tag: str = "@Nobody"
) -> tuple[Source, Location]:
    source, data, diagnostics = read(tmp_path, text)
    assert not diagnostics.errors, [str(d) for d in diagnostics]
    value = data
    for part in path:
        value = value[part]  # type: ignore[index]
    assert isinstance(value, str)
    return source, source.locate_in_value(path, value.index(tag), len(tag))


# -- positions -----------------------------------------------------------------------

BOARD = """\
version: 1
settings:
  resolution: 720p
shots:
  - id: a
    prompt: first
  - id: b
    prompt: second
    duration: 20
"""


def test_a_value_and_a_key_are_located_where_they_are_written(tmp_path: Path) -> None:
    source, _, _ = read(tmp_path, BOARD)
    value = source.locate(("shots", 1, "duration"))
    assert (value.line, value.column, value.length) == (9, 15, 2)
    key = source.locate(("shots", 1, "duration"), key=True)
    assert (key.line, key.column, key.length) == (9, 5, len("duration"))
    assert under(source, source.locate(("settings", "resolution"))) == "720p"
    assert under(source, source.locate(("shots", 0, "prompt"))) == "first"


def test_a_missing_key_points_at_its_mapping(tmp_path: Path) -> None:
    source, _, _ = read(tmp_path, BOARD)
    shot = source.locate(("shots", 1))
    assert (shot.line, shot.column) == (7, 5)  # the mapping starts at `id`
    assert source.locate(("shots", 1, "first_frame")) == shot
    assert source.locate(("shots", 1, "first_frame"), key=True) == shot
    assert source.locate(("shots", 9, "prompt")) == source.locate(("shots",))  # no 10th shot
    assert source.locate(("settings", "tier")) == source.locate(("settings",))


def test_the_loader_reports_a_missing_key_at_its_mapping(project: Project) -> None:
    path = project.write(
        """
        version: 1
        shots:
          - id: a
            prompt: x
          - id: b
            duration: 4
        """
    )
    (missing,) = [d for d in load(path).diagnostics if d.code == "S003"]
    assert (missing.location.line, missing.location.column, missing.shot) == (5, 5, "b")
    assert "`prompt`" in missing.message


def test_a_tag_in_a_single_line_quoted_prompt(tmp_path: Path) -> None:
    text = 'shots:\n  - {id: a, prompt: "Mara meets @Nobody."}\n'
    source, loc = tag_location(tmp_path, text, ("shots", 0, "prompt"))
    assert (loc.line, loc.column, loc.length) == (2, 33, 7)
    assert under(source, loc) == "@Nobody"


def test_a_tag_in_a_block_prompt(tmp_path: Path) -> None:
    text = "shots:\n  - id: a\n    prompt: |\n      The cafe at dawn.\n      Then   @Nobody enters.\n"
    source, loc = tag_location(tmp_path, text, ("shots", 0, "prompt"))
    assert (loc.line, loc.column, loc.length) == (5, 14, 7)
    assert under(source, loc) == "@Nobody"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('p: "tab\\t and \\u00e9\\x41 then @Nobody"\n', id="double-quoted-escapes"),
        pytest.param('p: "a \\"quote\\" and \\\\ @Nobody"\n', id="escaped-quotes"),
        pytest.param("p: 'it''s @Nobody'\n", id="single-quoted-doubled-quote"),
        pytest.param("p: 'é😀 @Nobody'\n", id="astral-characters"),
        pytest.param("p: plain @Nobody\n", id="plain"),
        pytest.param("p: |\n  first line\n    more indented @Nobody\n", id="literal-more-indented"),
        pytest.param("p: |2\n    first\n    x @Nobody\n", id="literal-indentation-indicator"),
        pytest.param("p: |-  # a comment\n\n  after a blank line @Nobody\n", id="literal-comment-blank"),
        pytest.param("p: >\n  folded line one\n  and line two @Nobody\n", id="folded"),
        pytest.param("p: plain text\n  on two lines @Nobody\n", id="plain-multi-line"),
        pytest.param('p: "quoted text\n  on two lines @Nobody"\n', id="double-quoted-multi-line"),
        pytest.param('p: "escaped \\\n  break @Nobody"\n', id="double-quoted-escaped-break"),
        pytest.param("p: 'one\n\n  blank line @Nobody'\n", id="single-quoted-blank-line"),
        pytest.param("base: &x 'x @Nobody'\np: *x\n", id="through-an-alias"),
        pytest.param("p: !!str &x |\n  @Nobody\n", id="tag-and-anchor-on-a-block"),
        pytest.param('p: "crlf @Nobody"\r\nq: 1\r\n', id="crlf"),
    ],
)
def test_a_tag_is_located_however_the_prompt_is_written(tmp_path: Path, text: str) -> None:
    source, loc = tag_location(tmp_path, text, ("p",))
    assert under(source, loc) == "@Nobody", loc


def test_a_tag_error_points_at_the_tag_in_the_file(project: Project) -> None:
    path = project.write(
        """
        version: 1
        characters:
          Mara: {images: [refs/a.png]}
        shots:
          - id: a
            prompt: "Tab\\there: @Mara meets @Mar4."
          - id: b
            prompt: |
              Opening line.
                @Mara waves at @Nobody.
        """
    )
    loaded = load(path)
    compile_storyboard(loaded)
    found = sorted(
        (d.location.line, d.location.column, d.location.length) for d in loaded.diagnostics if d.code == "R001"
    )
    lines = path.read_text().splitlines()
    assert [lines[line - 1][col - 1 : col - 1 + n] for line, col, n in found] == ["@Mar4", "@Nobody"]


def test_a_template_error_in_a_block_prompt_points_at_its_line(project: Project) -> None:
    path = project.write(
        """
        version: 1
        vars: {look: warm}
        shots:
          - id: a
            prompt: |
              Line one, {{ look }}.
              Line two, {{ lok }}.
        """
    )
    loaded = load(path)
    compile_storyboard(loaded)
    (undefined,) = [d for d in loaded.diagnostics if d.code == "T002"]
    assert undefined.location.line == 7
    assert undefined.help == "did you mean `look`?"


def test_positions_after_a_byte_order_mark(tmp_path: Path) -> None:
    source, data, diagnostics = read(tmp_path, "\ufeffversion: 1\ntitle: x\n".encode())
    assert not diagnostics.errors and data == {"version": 1, "title": "x"}
    loc = source.locate(("title",))
    assert (loc.line, loc.column) == (2, 8)


# -- what YAML features do -------------------------------------------------------------


def test_duplicate_keys_are_an_error_at_the_second_key(tmp_path: Path) -> None:
    _, data, diagnostics = read(tmp_path, "version: 1\nshots:\n  - id: a\n    prompt: x\n    prompt: y\n")
    (dup,) = diagnostics.errors
    assert dup.code == "Y006" and "`prompt`" in dup.message
    assert data["shots"][0]["prompt"] == "y"  # type: ignore[index]
    assert (dup.location.line, dup.location.column) == (5, 5)


def test_the_same_key_in_different_mappings_is_no_duplicate(tmp_path: Path) -> None:
    _, _, diagnostics = read(tmp_path, "a: {id: 1}\nb: {id: 2}\nshots: [{id: x}, {id: y}]\n")
    assert not list(diagnostics)


def test_duplicate_keys_reach_the_user_through_load(project: Project) -> None:
    path = project.write("version: 1\ntitle: one\ntitle: two\nshots: [{id: a, prompt: x}]\n")
    assert [(d.code, d.location.line) for d in load(path).diagnostics] == [("Y006", 3)]


def test_merge_keys_copy_a_mapping_and_explicit_keys_win(tmp_path: Path) -> None:
    text = """\
defaults: &defaults {duration: 4, tier: fast, resolution: 720p}
wide: &wide {aspect_ratio: "16:9", tier: std}
shots:
  - <<: *defaults
    id: a
    tier: std
  - <<: [*wide, *defaults]
    id: b
"""
    source, data, diagnostics = read(tmp_path, text)
    assert not list(diagnostics)
    a, b = data["shots"]  # type: ignore[index]
    assert a == {"id": "a", "tier": "std", "duration": 4, "resolution": "720p"}
    assert b == {"id": "b", "aspect_ratio": "16:9", "tier": "std", "duration": 4, "resolution": "720p"}  # first wins
    assert "<<" not in a
    merged = source.locate(("shots", 0, "duration"))
    assert (merged.line, under(source, merged)) == (1, "4")  # where the merged value is written


def test_scalars_yaml_1_1_gives_no_constructor_are_text(tmp_path: Path) -> None:
    # YAML 1.1 resolves a bare `=` to its `value` tag and `<<` in a value's place to `merge`
    _, data, diagnostics = read(tmp_path, "a: =\nb: <<\nc: [=, <<]\n")
    assert not list(diagnostics)
    assert data == {"a": "=", "b": "<<", "c": ["=", "<<"]}


def test_a_file_of_one_equals_sign_is_a_located_error_not_a_crash(project: Project) -> None:
    diagnostics = load(project.write("=\n")).diagnostics
    assert diagnostics.errors and all(d.location.line >= 1 for d in diagnostics.errors)


def test_a_merge_of_a_scalar_is_an_error(tmp_path: Path) -> None:
    _, _, diagnostics = read(tmp_path, "x: &x 3\ny:\n  <<: *x\n")
    assert [(d.code, d.location.line) for d in diagnostics] == [("Y001", 3)]


def test_merge_keys_work_in_a_real_storyboard(project: Project) -> None:
    path = project.write(
        """
        version: 1
        x-shot: &shot {duration: 4}
        shots:
          - {<<: *shot, id: a, prompt: x}
        """
    )
    (unknown,) = load(path).diagnostics  # the anchor holder is an unknown key, the merge is fine
    assert unknown.code == "S001" and "`x-shot`" in unknown.message
    clean = project.write("version: 1\nshots:\n  - &a {id: a, prompt: x, duration: 4}\n  - {<<: *a, id: b}\n")
    loaded = load(clean)
    assert not list(loaded.diagnostics)
    assert [(s.id, s.duration, s.prompt) for s in loaded.storyboard.shots] == [("a", 4, "x"), ("b", 4, "x")]


def test_anchors_and_aliases(tmp_path: Path) -> None:
    _, data, diagnostics = read(tmp_path, "look: &look warm light\nrefs: &refs [a.png, b.png]\nx: *look\ny: *refs\n")
    assert not list(diagnostics)
    assert data == {"look": "warm light", "refs": ["a.png", "b.png"], "x": "warm light", "y": ["a.png", "b.png"]}


def test_an_unknown_alias_is_located(tmp_path: Path) -> None:
    _, data, diagnostics = read(tmp_path, "version: 1\ntitle: *nope\n")
    assert data is None
    assert [(d.code, d.location.line, d.location.column) for d in diagnostics] == [("Y001", 2, 8)]


def test_keys_are_kept_as_text(tmp_path: Path) -> None:
    _, data, diagnostics = read(
        tmp_path, "yes: 1\nno: 2\non: 3\nnull: 4\n1: 5\n1.5: 6\n~: 7\nvalue: true\nn: null\nf: 1.5\n"
    )
    assert not list(diagnostics)  # as keys, YAML 1.1's booleans are names (`yes` as a value is Y008)
    assert data == {"yes": 1, "no": 2, "on": 3, "null": 4, "1": 5, "1.5": 6, "~": 7, "value": True, "n": None, "f": 1.5}


def test_yes_as_a_character_name_is_the_name_yes(project: Project) -> None:
    path = project.write("version: 1\nassets:\n  yes: refs/jingle.wav\nshots:\n  - {id: a, prompt: x, audio: 'yes'}\n")
    loaded = load(path)
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"]
    assert list(loaded.storyboard.assets) == ["yes"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("a: !!python/object:os.system x\n", "Y007", id="python-tag"),
        pytest.param("a: !custom x\n", "Y007", id="local-tag"),
        pytest.param("a: !!binary aGVsbG8=\n", "Y007", id="binary-tag"),
        pytest.param("? [a, b]\n: c\n", "Y007", id="list-as-key"),
        pytest.param("a: 1\n---\na: 2\n", "Y001", id="two-documents"),
        pytest.param("a: [1, 2\n", "Y001", id="unclosed"),
    ],
)
def test_what_a_storyboard_may_not_hold(tmp_path: Path, text: str, code: str) -> None:
    _, _, diagnostics = read(tmp_path, text)
    assert code in [d.code for d in diagnostics.errors]


def test_an_impossible_number_is_shown_shortened(tmp_path: Path) -> None:
    _, _, diagnostics = read(tmp_path, "a: " + "9" * 5000 + "\n")
    (bad,) = diagnostics.errors
    assert bad.code == "Y001" and len(bad.message) < 400


# -- limits ------------------------------------------------------------------------------


def test_nesting_at_the_limit_reads_and_beyond_it_is_refused(tmp_path: Path) -> None:
    _, data, diagnostics = read(tmp_path, "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
    assert not list(diagnostics) and data is not None
    _, data, diagnostics = read(tmp_path, "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    assert data is None and [d.code for d in diagnostics] == ["Y004"]
    assert diagnostics.errors[0].location.column == 3 + MAX_DEPTH  # the first bracket too many


def test_depth_is_our_rule_even_when_libyaml_stops_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml 0.2.6 caps nesting itself (and reads ahead): whoever notices, the answer is Y004 at our limit."""
    from storyboard.load import yamlsource

    real = yaml.parse

    def libyaml_capped(stream: Any, Loader: Any = None) -> Any:
        if Loader is yaml.SafeLoader:  # the pure-Python re-read of the window
            yield from real(stream, Loader=Loader)
            return
        opened = 0
        for ev in real(stream, Loader=Loader):
            opened += isinstance(ev, yaml.SequenceStartEvent)
            if opened == 200:  # its cap, found while reading ahead of the events it gave
                raise yaml.scanner.ScannerError(
                    "while scanning", ev.start_mark, "nesting cap (libyaml's own)", ev.start_mark
                )
            if opened < 10:
                yield ev

    monkeypatch.setattr(yamlsource.yaml, "parse", libyaml_capped)
    _, data, diagnostics = read(tmp_path, "x: 1\na: " + "[" * 500 + "]" * 500 + "\n")
    assert data is None and [d.code for d in diagnostics] == ["Y004"]
    assert (diagnostics.errors[0].location.line, diagnostics.errors[0].location.column) == (2, 3 + MAX_DEPTH)
    # a real syntax error in shallow brackets stays a syntax error
    _, data, diagnostics = read(tmp_path, "a: " + "[" * 30 + "b c: d, ]]\n")
    assert data is None and [d.code for d in diagnostics] == ["Y001"]


def test_block_nesting_is_limited_too(tmp_path: Path) -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n"
    _, data, diagnostics = read(tmp_path, text)
    assert data is None and [d.code for d in diagnostics] == ["Y004"]


def test_alias_expansion_is_limited_and_named_as_a_bomb(tmp_path: Path) -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    _, data, diagnostics = read(tmp_path, text)
    (bomb,) = diagnostics
    assert data is None and bomb.code == "Y004" and "alias" in bomb.message and "alias bomb" in (bomb.help or "")


def test_many_plain_values_are_not_called_an_alias_bomb(tmp_path: Path) -> None:
    """The real limit, passed without an alias. The values are plain text (`x`, not `1`): each is
    still one value to count, but none goes through the pure-Python int constructor, which took
    most of this test's time and is not what it is about."""
    _, data, diagnostics = read(tmp_path, "a: [" + ",".join(["x"] * (MAX_EXPANDED_NODES + 1)) + "]\n")
    (big,) = diagnostics
    assert data is None and big.code == "Y004"
    assert "alias" not in big.message and "alias" not in (big.help or "")


def test_files_over_the_size_limit_are_not_read(tmp_path: Path) -> None:
    _, data, diagnostics = read(tmp_path, b"a: 1\n" + b"#" * (9 * 1024 * 1024))
    assert data is None and [(d.code, d.location.line, d.location.column) for d in diagnostics] == [("Y003", 1, 1)]


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        pytest.param(b"a: 1\nb: caf\xe9\n", 2, 7, id="latin-1"),
        pytest.param(b"a: 1\nb: x\x00y\n", 2, 5, id="nul"),
    ],
)
def test_bytes_that_are_not_text_are_located(tmp_path: Path, raw: bytes, line: int, column: int) -> None:
    _, data, diagnostics = read(tmp_path, raw)
    assert data is None and [(d.code, d.location.line, d.location.column) for d in diagnostics] == [
        ("Y005", line, column)
    ]


@pytest.mark.parametrize("text", ["", "   \n\n", "# only\n  # comments\n"])
def test_an_empty_file(tmp_path: Path, text: str) -> None:
    _, data, diagnostics = read(tmp_path, text)
    assert data is None and [d.code for d in diagnostics] == ["Y002"]


# -- validation keeps what it can ------------------------------------------------------


def test_a_salvaged_storyboard_still_reports_compile_errors_of_its_valid_shots(project: Project) -> None:
    path = project.write(
        """
        version: 1
        shots:
          - id: broken
            prompt: x
            durration: 4
          - id: long
            prompt: y
            duration: 20
          - id: wide
            extends: broken
            prompt: "@broken @Nobody"
        """
    )
    loaded = load(path)
    assert loaded.storyboard is not None and [s.id for s in loaded.storyboard.shots] == ["long", "wide"]
    assert [s.index for s in loaded.storyboard.shots] == [1, 2]  # positions in the file, for locations
    assert loaded.broken_names == {"broken"}
    compile_storyboard(loaded)
    found = [(d.code, d.location.line, d.shot) for d in loaded.diagnostics if d.severity.value == "error"]
    # no R002 for `extends: broken` and no R001 for `@broken`: the shot exists, it is only broken
    assert found == [("S001", 5, "broken"), ("V001", 8, "long"), ("R001", 11, "wide")]


def test_wrong_types_are_reported_all_at_once(project: Project) -> None:
    path = project.write(
        """
        version: 1
        settings: {duration: long, sound: maybe}
        shots:
          - {id: a, prompt: [x]}
          - null
        cut: [1]
        """
    )
    found = sorted((d.code, d.location.line, d.location.column) for d in load(path).diagnostics)
    assert found == [("S002", 2, 22), ("S002", 2, 35), ("S002", 4, 21), ("S002", 5, 5), ("S002", 6, 7)]


def test_a_list_item_of_the_wrong_type_is_named_by_its_place(project: Project) -> None:
    path = project.write("version: 1\nshots:\n  - {id: a, prompt: x}\n  - 3\n")
    (bad,) = load(path).diagnostics
    assert bad.code == "S002" and bad.message.startswith("shot #2 must be a mapping")


def test_an_unknown_key_gets_a_did_you_mean(project: Project) -> None:
    path = project.write(
        "version: 1\nsettings: {resolutoin: 720p}\nshots:\n  - {id: a, prompt: x, frist_frame: refs/a.png}\n"
    )
    found = [(d.code, d.location.line, d.location.column, d.help) for d in load(path).diagnostics]
    assert found == [
        ("S001", 2, 12, "did you mean `resolution`?"),
        ("S001", 4, 24, "did you mean `first_frame`?"),
    ]


def test_a_wrong_choice_gets_a_did_you_mean(project: Project) -> None:
    path = project.write("version: 1\nsettings: {provider: wavespeeed}\nshots: [{id: a, prompt: x}]\n")
    (bad,) = load(path).diagnostics
    assert (bad.code, bad.help, bad.location.column) == ("S004", "did you mean `wavespeed`?", 22)


def test_the_version_must_be_one(project: Project) -> None:
    (bad,) = load(project.write("version: 2\nshots: [{id: a, prompt: x}]\n")).diagnostics
    assert (bad.code, bad.location.line, bad.location.column) == ("S005", 1, 10)


@pytest.mark.parametrize(("text", "line", "column"), [("a: [", 1, 5), ("a: 1\nb: [", 2, 5), ("a: [\n", 2, 1)])
def test_an_error_at_the_end_of_the_file_points_into_the_file(
    tmp_path: Path, text: str, line: int, column: int
) -> None:
    _, _, diagnostics = read(tmp_path, text)
    (error,) = diagnostics
    assert (error.code, error.location.line, error.location.column) == ("Y001", line, column)


# -- every way YAML can write a prompt ----------------------------------------------------

PIECES = [
    "@Mara",
    "@Leo",
    "word",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
    "é",
    "😀",
    "中",
    "'",
    '"',
    "\\",
    ": ",
    " #",
    "- ",
    "{{ x }}",
    "@",
    ".",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=25),
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.sampled_from([20, 80]),
    nested=st.booleans(),
)
def test_every_tag_is_located_in_any_style(
    tmp_path: Path, pieces: list[str], style: str | None, width: int, nested: bool
) -> None:
    value = "".join(pieces)
    doc = {"shots": [{"id": "a", "prompt": value}]} if nested else {"prompt": value}
    text = yaml.safe_dump(doc, default_style=style, width=width, allow_unicode=True)
    path = ("shots", 0, "prompt") if nested else ("prompt",)
    source, data, diagnostics = read(tmp_path, text)
    assert not list(diagnostics)
    got = data
    for part in path:
        got = got[part]  # type: ignore[index]
    assert isinstance(got, str)  # (PyYAML's emitter does not round-trip every folded value: use what was read)
    for m in re.finditer(r"@(Mara|Leo)", got):
        loc = source.locate_in_value(path, m.start(), len(m.group()))
        assert under(source, loc) == m.group(), (text, m.start(), loc)


def test_reading_keeps_nothing_between_parses(tmp_path: Path) -> None:
    """The shared scalar constructor never remembers the nodes it built (it grew by every value, every parse)."""
    from storyboard.load import yamlsource

    for _ in range(3):
        _, data, diagnostics = read(tmp_path, "a: [1, 2.5, true, null, 2001-12-14, 0x1F]\n")
        assert data == {"a": [1, 2.5, True, None, "2001-12-14", 31]} and not list(diagnostics)
        assert len(yamlsource._constructor.constructed_objects) == 0


def test_a_date_is_the_text_both_yaml_versions_read(tmp_path: Path) -> None:
    """YAML 1.1 alone has timestamps; nothing in a storyboard is a date, so `2026-12-01` stays text."""
    _, data, diagnostics = read(tmp_path, "title: 2026-12-01\nwhen: 2020-13-45\nat: 2001-12-14t21:59:43.10-05:00\n")
    assert data == {"title": "2026-12-01", "when": "2020-13-45", "at": "2001-12-14t21:59:43.10-05:00"}
    assert not list(diagnostics)


def test_what_yaml_1_1_and_1_2_both_read_alike_passes(tmp_path: Path) -> None:
    text = "a: 10\nb: 0x0A\nc: true\nd: False\ne: 5.5\nf: '16:9'\ng: 'yes'\nh: !!int '010'\ni: +5\nj: .inf\n"
    _, data, diagnostics = read(tmp_path, text)
    assert not list(diagnostics)
    assert data["b"] == 10 and data["f"] == "16:9" and data["g"] == "yes" and data["h"] == 8  # type: ignore[index]


@pytest.mark.parametrize(
    "value, read_as",
    [
        ("010", 8),
        ("0b101", 5),
        ("1_000", 1000),
        ("1:30", 90),
        ("on", True),
        ("No", False),
        ("1_0.5", 10.5),
        ("1e5", "1e5"),  # the other way round: text to YAML 1.1, a number to YAML 1.2
        ("+.5", "+.5"),
        ("1.0e5", "1.0e5"),
        ("0o10", "0o10"),
    ],
)
def test_a_value_yaml_1_2_reads_otherwise_is_refused_where_it_stands(
    tmp_path: Path, value: str, read_as: object
) -> None:
    _, data, diagnostics = read(tmp_path, f"version: 1\nx: {value}\n")
    (d,) = list(diagnostics)
    assert d.code == "Y008" and (d.location.line, d.location.column) == (2, 4) and d.help
    assert data["x"] == (value if ":" in value else read_as)  # type: ignore[index]
