"""`storyboard pick` and `storyboard takes`: a located edit of `take:` that keeps every other byte."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli
from storyboard.diagnostics import Diagnostics
from storyboard.errors import PickError
from storyboard.load.yamlsource import Source, parse_text
from storyboard.ops import pick, takes
from storyboard.ops.yamledit import set_take
from storyboard.store import Store


def data(text: str) -> Any:
    diagnostics = Diagnostics()
    value = parse_text(Source(Path("."), "", text), diagnostics)
    assert not diagnostics.has_errors(), [str(d) for d in diagnostics]
    return value


# (name, text, shot index, take, the exact text after)
EDITS: list[tuple[str, str, int, int, str]] = [
    (
        "block, `- id:` form",
        "shots:\n  - id: a\n    prompt: x\n",
        0,
        2,
        "shots:\n  - id: a\n    take: 2\n    prompt: x\n",
    ),
    (
        "block, `-` then `id:` on its own line",
        "shots:\n  -\n    id: a\n    prompt: x\n",
        0,
        3,
        "shots:\n  -\n    id: a\n    take: 3\n    prompt: x\n",
    ),
    (
        "flow mapping in a block sequence, comment after",
        "shots:\n  - {id: a, prompt: x}   # the opening\n  - {id: b, prompt: y}\n",
        1,
        2,
        "shots:\n  - {id: a, prompt: x}   # the opening\n  - {id: b, take: 2, prompt: y}\n",
    ),
    (
        "flow mapping in a flow sequence",
        "shots: [{id: a, prompt: x}, {prompt: y, id: b}]\n",
        1,
        4,
        "shots: [{id: a, prompt: x}, {prompt: y, id: b, take: 4}]\n",
    ),
    (
        "existing take replaced, its comment kept",
        "shots:\n  - id: a\n    takes: 3\n    take: 1    # the first was best\n    prompt: x\n",
        0,
        3,
        "shots:\n  - id: a\n    takes: 3\n    take: 3    # the first was best\n    prompt: x\n",
    ),
    (
        "existing take in a flow mapping",
        "shots: [{id: a, take: 1, prompt: x}]\n",
        0,
        2,
        "shots: [{id: a, take: 2, prompt: x}]\n",
    ),
    (
        "comments before, inline and after kept; placed after takes",
        "# head\nshots:   # list\n  # before a\n  - id: a      # the id\n    takes: 2   # two\n"
        "    # between\n    prompt: x  # p\n# tail\n",
        0,
        2,
        "# head\nshots:   # list\n  # before a\n  - id: a      # the id\n    takes: 2   # two\n    take: 2\n"
        "    # between\n    prompt: x  # p\n# tail\n",
    ),
    (
        "CRLF line endings kept",
        "shots:\r\n  - id: a\r\n    prompt: x\r\n",
        0,
        2,
        "shots:\r\n  - id: a\r\n    take: 2\r\n    prompt: x\r\n",
    ),
    (
        "CR line endings kept",
        "shots:\r  - id: a\r    prompt: x\r",
        0,
        2,
        "shots:\r  - id: a\r    take: 2\r    prompt: x\r",
    ),
    (
        "deep indentation",
        "shots:\n        -   id: a\n            prompt: x\n",
        0,
        2,
        "shots:\n        -   id: a\n            take: 2\n            prompt: x\n",
    ),
    (
        "shot last in the file, no final newline, id last",
        "shots:\n  - prompt: x\n    id: a",
        0,
        2,
        "shots:\n  - prompt: x\n    id: a\n    take: 2",
    ),
    (
        "no final newline, CRLF file: the file's own break",
        "shots:\r\n  - prompt: x\r\n    id: a",
        0,
        2,
        "shots:\r\n  - prompt: x\r\n    id: a\r\n    take: 2",
    ),
    (
        "quoted id, anchored prompt",
        'shots:\n  - id: \'a\'\n    prompt: &p "x: y"\n  - id: "b"  # q\n    prompt: *p\n',
        1,
        2,
        'shots:\n  - id: \'a\'\n    prompt: &p "x: y"\n  - id: "b"  # q\n    take: 2\n    prompt: *p\n',
    ),
    (
        "anchored take keeps its anchor",
        "shots:\n  - id: a\n    take: &t 1 # c\n    prompt: x\n",
        0,
        2,
        "shots:\n  - id: a\n    take: &t 2 # c\n    prompt: x\n",
    ),
    (
        "aliased take: the alias is replaced, the anchor untouched",
        "settings: {takes: &two 2}\nshots:\n  - id: a\n    take: *two\n    prompt: x\n",
        0,
        1,
        "settings: {takes: &two 2}\nshots:\n  - id: a\n    take: 1\n    prompt: x\n",
    ),
    (
        "an anchor name used twice (the loader accepts it, PyYAML's composer does not)",
        "shots:\n  - {id: a, prompt: &p x}\n  - id: b\n    prompt: &p y\n    motion: *p\n",
        1,
        2,
        "shots:\n  - {id: a, prompt: &p x}\n  - id: b\n    take: 2\n    prompt: &p y\n    motion: *p\n",
    ),
    (
        "multi-line flow mapping with comments",
        "shots:\n  - {\n      id: a,   # the id\n      prompt: x,\n    }\n",
        0,
        2,
        "shots:\n  - {\n      id: a, take: 2,   # the id\n      prompt: x,\n    }\n",
    ),
    (
        "block scalar id: inserted after the scalar's lines",
        "shots:\n  - id: >-\n      a\n    prompt: x\n",
        0,
        2,
        "shots:\n  - id: >-\n      a\n    take: 2\n    prompt: x\n",
    ),
    (
        "tabs as separation inside lines; indentation stays spaces",
        "shots:\n  - id:\ta\t# c\n    prompt:\tx\n",
        0,
        2,
        "shots:\n  - id:\ta\t# c\n    take: 2\n    prompt:\tx\n",
    ),
    (
        "explicit `? id` key: the other keys' indentation",
        "shots:\n  - ? id\n    : a\n    prompt: x\n",
        0,
        2,
        "shots:\n  - ? id\n    : a\n    take: 2\n    prompt: x\n",
    ),
    (
        "document markers and a trailing comment block",
        "---\nshots:\n- id: a\n  prompt: x\n# end\n...\n",
        0,
        2,
        "---\nshots:\n- id: a\n  take: 2\n  prompt: x\n# end\n...\n",
    ),
    (
        "unicode before the shot (marks count characters)",
        'title: Café ☕ 日本\nshots:\n  - {id: a, prompt: "ü ☕"}\n',
        0,
        2,
        'title: Café ☕ 日本\nshots:\n  - {id: a, take: 2, prompt: "ü ☕"}\n',
    ),
]


@pytest.mark.parametrize(("text", "index", "take", "expected"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_set_take_edits_only_the_take(text: str, index: int, take: int, expected: str) -> None:
    edited = set_take(text, index, take)
    assert edited == expected
    before, after = data(text), data(edited)
    before["shots"][index]["take"] = take
    assert after == before


EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*/*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_set_take_on_every_shot_of_the_examples(example: Path) -> None:
    """The examples' real layouts (comments, block prompts, flow lists): every shot, one line more."""
    text = example.read_text(encoding="utf-8")
    shots = data(text)["shots"]
    assert shots
    for index in range(len(shots)):
        edited = set_take(text, index, 3)
        expected = data(text)
        expected["shots"][index]["take"] = 3
        assert data(edited) == expected
        assert len(edited.splitlines()) in (len(text.splitlines()), len(text.splitlines()) + 1)
        assert len(set(text.splitlines()) - set(edited.splitlines())) <= 1  # at most the shot's own line (flow)


def test_set_take_refuses_what_is_not_a_shot() -> None:
    with pytest.raises(PickError):
        set_take("shots: [a, b]\n", 0, 2)
    with pytest.raises(PickError):
        set_take("shots: []\n", 0, 2)
    with pytest.raises(PickError):
        set_take("shots: [\n", 0, 2)


BOARD = """\
# the opening comment
version: 1
settings:
  takes: 2          # every shot has two
shots:
  - id: open        # first
    prompt: The cafe at dawn.
  - {id: pour, takes: 3, prompt: "Latte art."}   # flow
  - id: sing
    takes: 1
    prompt: She sings.
"""


def write(tmp_path: Path, text: str = BOARD, *, raw: bytes | None = None) -> Path:
    path = tmp_path / "storyboard.yaml"
    path.write_bytes(raw if raw is not None else text.encode())
    return path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_pick_writes_the_take_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path)
    path.chmod(0o640)
    result = invoke("pick", str(path), "pour", "3")
    assert result.exit_code == 0, result.output
    assert "take 3 of 3" in result.output
    assert path.read_text() == BOARD.replace("{id: pour, takes: 3,", "{id: pour, takes: 3, take: 3,")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name != "storyboard.yaml"]  # no temporary left beside it
    again = invoke("pick", str(path), "open", "2")
    assert again.exit_code == 0
    assert "  - id: open        # first\n    take: 2\n    prompt: The cafe at dawn.\n" in path.read_text()
    same = pick(path, "open", 2)
    assert not same.changed and same.previous == 2
    picked = path.read_bytes()
    assert invoke("pick", str(path), "sing", "1").exit_code == 0  # the default take: nothing to write
    assert path.read_bytes() == picked


def test_pick_refuses_a_read_only_file(tmp_path: Path) -> None:
    path = write(tmp_path)
    path.chmod(0o444)
    result = invoke("pick", str(path), "pour", "2")
    assert result.exit_code == 1 and "read-only" in result.output
    assert path.read_bytes() == BOARD.encode()


def test_pick_leaves_the_shots_key_alone(tmp_path: Path) -> None:
    """Picking changes which clip the cut uses, not what the shot asks for: its key stays, nothing regenerates."""
    from storyboard.ops import plan

    path = write(tmp_path)
    before = {s.id: s.key for s in plan(path).shots}
    pick(path, "pour", 2)
    assert {s.id: s.key for s in plan(path).shots}["pour"] == before["pour"]


def test_pick_keeps_a_bom_and_crlf(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + BOARD.replace("\n", "\r\n").encode()
    path = write(tmp_path, raw=raw)
    result = pick(path, "open", 2)
    assert result.changed and result.takes == 2 and result.previous == 1
    expected = BOARD.replace("# first\n", "# first\n    take: 2\n").replace("\n", "\r\n")
    assert path.read_bytes() == b"\xef\xbb\xbf" + expected.encode()


def test_pick_follows_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path)
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    pick(link, "pour", 2)
    assert link.is_symlink() and "take: 2" in real.read_text()


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("pour", "4"), 1, "3 takes, so take 4 does not exist"),
        (("sing", "2"), 1, "1 take, so take 2"),
        (("open", "3"), 1, "2 takes"),
        (("popr", "2"), 1, "did you mean `pour`"),
        (("pour", "0"), 2, "TAKE"),
        (("pour", "two"), 2, "TAKE"),
        (("pour", "-1"), 2, "TAKE"),
        (("pour",), 2, "TAKE"),
    ],
)
def test_pick_errors_leave_the_file_untouched(tmp_path: Path, args: tuple[str, ...], code: int, said: str) -> None:
    path = write(tmp_path)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    result = invoke("pick", str(path), *args)
    assert result.exit_code == code, result.output
    assert said in result.output
    assert path.read_bytes() == BOARD.encode()
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_pick_refuses_a_file_that_does_not_check(tmp_path: Path) -> None:
    broken = BOARD.replace("version: 1", "version: 2")
    path = write(tmp_path, broken)
    mtime = path.stat().st_mtime_ns
    result = invoke("pick", str(path), "pour", "2")
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert path.read_bytes() == broken.encode() and path.stat().st_mtime_ns == mtime


def test_pick_restores_the_file_when_the_result_would_not_check(tmp_path: Path, monkeypatch: Any) -> None:
    """The written file is read back; a take that breaks a rule (stood in for here) puts the original back."""
    from storyboard.ops import checking  # pick imports check when it runs: patched where it lives

    path = write(tmp_path)
    calls = {"n": 0}

    original = checking.check

    def second_fails(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        checked = original(*args, **kwargs)
        if calls["n"] == 2:
            checked.diagnostics.add("S001", "stand-in rule", checked.loaded.source.start())
        return checked

    monkeypatch.setattr(checking, "check", second_fails)
    with pytest.raises(PickError, match="does not check"):
        pick(path, "pour", 2)
    assert path.read_bytes() == BOARD.encode()


def test_takes_lists_built_price_and_picked(tmp_path: Path) -> None:
    path = write(tmp_path, BOARD.replace('prompt: "Latte art."}', 'take: 2, prompt: "Latte art."}'))
    listed = takes(path, "pour")
    assert [(t.number, t.built, t.picked) for t in listed.takes] == [
        (1, False, False),
        (2, False, True),
        (3, False, False),
    ]
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"a clip")
    with Store(tmp_path, create=True) as store:
        store.put_clip(listed.key, clip, take=2)  # recorded, as a build stores it: whole
    result = invoke("takes", str(path), "pour", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [(t["take"], t["built"], t["picked"]) for t in report["takes"]] == [
        (1, False, False),
        (2, True, True),
        (3, False, False),
    ]
    assert report["takes"][1]["clip"] and Path(report["takes"][1]["clip"]).read_bytes() == b"a clip"
    assert report["takes"][1]["made"].endswith("+00:00") and report["takes"][0]["made"] is None
    assert all(t["price"] == report["takes"][0]["price"] for t in report["takes"])
    text = invoke("takes", str(path), "pour")
    assert text.exit_code == 0
    assert "* 2  built" in text.output


def test_takes_errors(tmp_path: Path) -> None:
    path = write(tmp_path)
    assert invoke("takes", str(path), "song").exit_code == 1
    assert "did you mean `sing`" in invoke("takes", str(path), "song").output
    assert invoke("takes", str(tmp_path / "missing.yaml"), "pour").exit_code == 2
    broken = write(tmp_path, BOARD.replace("version: 1", "version: 2"))
    assert invoke("takes", str(broken), "pour").exit_code == 1


def test_pick_refuses_an_edit_that_would_change_another_shot(tmp_path: Path) -> None:
    """A shot merged into another (`<<: *a`) would take the new key too: proven before writing, so refused."""
    merged = "version: 1\nsettings: {takes: 2}\nshots:\n  - &a {id: a, prompt: x}\n  - {<<: *a, id: b}\n"
    path = write(tmp_path, merged)
    mtime = path.stat().st_mtime_ns
    with pytest.raises(RuntimeError, match="more than the shot's take"):
        pick(path, "a", 2)
    assert path.read_bytes() == merged.encode() and path.stat().st_mtime_ns == mtime
    assert pick(path, "b", 2).changed  # the shot that merges is its own: its take is its own key
    assert data(path.read_text())["shots"][0] == {"id": "a", "prompt": "x"}


@pytest.mark.slow
def test_a_build_after_pick_generates_nothing(tmp_path: Path) -> None:
    """The design's promise: picking re-cuts; no shot is generated again (offline preview, $0)."""
    from storyboard.ops import build

    board = (
        "version: 1\nsettings: {resolution: 480p, duration: 3}\nshots:\n"
        "  - id: open   # the first\n    takes: 2\n    prompt: Dawn.\n  - {id: pour, prompt: Latte art.}\n"
    )
    path = write(tmp_path, board)
    first = build(path)
    assert first.ok and first.film is not None and first.film.is_file()
    assert pick(path, "open", 2).changed
    again = build(path)
    assert again.ok and not again.plan.to_generate
    assert {r.status for r in again.run.shots.values()} == {"cached"}
    assert again.film is not None and again.film.is_file()
