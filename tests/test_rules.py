"""Every rule has a case: a storyboard that breaks it, the code, and the line (`# <-` marks it).

The last test checks that the table covers every code in RULES, so a new rule without a
test fails CI.
"""

from __future__ import annotations

import textwrap

import pytest

from storyboard.compile import compile_storyboard
from storyboard.diagnostics import RULES
from storyboard.load import load

HEAD = "version: 1\n"
LONG = "x" * 4001
CASES: list[tuple[str, str, str, dict[str, str]]] = [
    # (id, code, storyboard, overrides)
    ("yaml-syntax", "Y001", HEAD + "shots: [\n  - id: a   # <-\n", {}),
    ("empty", "Y002", "# only a comment  # <-\n", {}),
    ("duplicate-key", "Y006", HEAD + "title: a\ntitle: b  # <-\nshots: [{id: a, prompt: x}]\n", {}),
    ("python-tag", "Y007", HEAD + "title: !!python/object:os.system x  # <-\nshots: [{id: a, prompt: x}]\n", {}),
    ("unknown-key", "S001", HEAD + "shots:\n  - id: a\n    prompt: x\n    promt: y  # <-\n", {}),
    ("wrong-type", "S002", HEAD + "shots:\n  - id: a\n    prompt: x\n    duration: five  # <-\n", {}),
    ("missing-prompt", "S003", HEAD + "shots:\n  - id: a  # <-\n    duration: 4\n", {}),
    ("bad-enum", "S004", HEAD + "settings:\n  tier: fastt  # <-\nshots: [{id: a, prompt: x}]\n", {}),
    ("version", "S005", "version: 2  # <-\nshots: [{id: a, prompt: x}]\n", {}),
    ("no-shots", "S006", HEAD + "shots: []  # <-\n", {}),
    ("shot-id", "N001", HEAD + "shots:\n  - id: Open  # <-\n    prompt: x\n", {}),
    ("name", "N002", HEAD + "characters:\n  1Mara: {images: [refs/a.png]}  # <-\nshots:\n  - {id: a, prompt: '@1Mara x'}\n", {}),
    ("namespace", "N003", HEAD + "assets:\n  a: refs/jingle.wav\nshots:\n  - id: a  # <-\n    prompt: x\n", {}),
    ("not-found", "M001", HEAD + "shots:\n  - id: a\n    prompt: x\n    first_frame: refs/nope.png  # <-\n", {}),
    ("escapes", "M002", HEAD + "shots:\n  - id: a\n    prompt: x\n    first_frame: ../../etc/x.png  # <-\n", {}),
    ("http", "M003", HEAD + "shots:\n  - id: a\n    prompt: x\n    first_frame: http://example.com/a.png  # <-\n", {}),
    ("kind", "M004", HEAD + "shots:\n  - id: a\n    prompt: x\n    first_frame: refs/dance.mp4  # <-\n", {}),
    ("unreadable", "M005", HEAD + "assets:\n  bad: refs/broken.mp4  # <-\nshots:\n  - {id: a, motion: bad, prompt: '@bad x'}\n", {}),
    ("template-syntax", "T001", HEAD + "shots:\n  - id: a\n    prompt: 'x {{ y'  # <-\n", {}),
    ("undefined", "T002", HEAD + "vars: {look: warm}\nshots:\n  - id: a\n    prompt: 'x {{ lok }}'  # <-\n", {}),
    ("sandbox", "T003", HEAD + "shots:\n  - id: a\n    prompt: \"{{ ''.__class__.__mro__ }}\"  # <-\n", {}),
    ("template-error", "T004", HEAD + "vars: {n: 0}\nshots:\n  - id: a\n    prompt: '{{ 1 / n }}'  # <-\n", {}),
    ("unknown-tag", "R001", HEAD + "characters:\n  Mara: {images: [refs/a.png]}\nshots:\n  - id: a\n    prompt: '@Mra waves'  # <-\n", {}),
    ("unknown-shot", "R002", HEAD + "shots:\n  - id: a\n    prompt: x\n  - id: b\n    continues: aa  # <-\n    prompt: y\n", {}),
    ("cycle", "R003", HEAD + "shots:\n  - id: a\n    continues: b\n    prompt: x\n  - id: b\n    continues: a  # <-\n    prompt: y\n", {}),
    ("bad-asset", "R004", HEAD + "assets:\n  song: refs/jingle.wav\nshots:\n  - id: a\n    motion: song  # <-\n    prompt: '@song x'\n", {}),
    ("duration", "V001", HEAD + "shots:\n  - id: a\n    prompt: x\n    duration: 20  # <-\n", {}),
    ("i2v-omni", "V002", HEAD + "characters:\n  Mara: {images: [refs/a.png]}\nshots:\n  - id: a  # <-\n    prompt: '@Mara x'\n    first_frame: refs/b.png\n", {}),
    ("extend-refs", "V003", HEAD + "characters:\n  Mara: {images: [refs/a.png]}\nshots:\n  - {id: a, prompt: x}\n  - id: b\n    extends: a  # <-\n    prompt: '@a @Mara y'\n", {}),
    ("keyframe-order", "V004", HEAD + "shots:\n  - id: a\n    prompt: x\n    keyframes:\n      - {at: 3, image: refs/a.png}\n      - {at: 2, image: refs/b.png}  # <-\n", {}),
    ("keyframe-range", "V004", HEAD + "shots:\n  - id: a\n    prompt: x\n    keyframes:\n      - {at: 5, image: refs/a.png}  # <-\n", {}),
    ("groups", "V005", HEAD + "characters:\n  A: {images: [refs/a.png]}\n  B: {images: [refs/b.png]}\n  C: {images: [refs/c.png]}\n  D: {images: [refs/d.png]}\nshots:\n  - id: a\n    prompt: '@A @B @C @D'  # <-\n", {"provider": "runware", "tier": "std"}),
    ("images-per-group", "V006", HEAD + "characters:\n  A:\n    images: [refs/a.png, refs/b.png, refs/c.png, refs/d.png, refs/e.png, refs/f.png]  # <-\nshots:\n  - {id: a, prompt: '@A'}\n", {}),
    ("images-or-grid", "V007", HEAD + "characters:\n  A: {images: [refs/a.png], grid: refs/grid.png}  # <-\nshots:\n  - {id: a, prompt: '@A'}\n", {}),
    ("grid-voice", "V008", HEAD + "characters:\n  A:\n    grid: refs/grid.png\n    voice: refs/voice.wav  # <-\nshots:\n  - {id: a, prompt: '@A'}\n", {}),
    ("group-types", "V009", HEAD + "characters:\n  A: {images: [refs/a.png]}\n  G: {grid: refs/grid.png}\nshots:\n  - id: a\n    prompt: '@A and @G'  # <-\n", {}),
    ("ref-too-long", "V010", HEAD + "assets:\n  long: refs/long.mp4\nshots:\n  - id: a\n    motion: long  # <-\n    prompt: '@long x'\n", {}),
    ("ref-too-small", "V011", HEAD + "assets:\n  dance: refs/dance.mp4\nshots:\n  - id: a\n    motion: dance  # <-\n    prompt: '@dance x'\n", {"provider": "runware", "tier": "std"}),
    ("prompt-length", "V012", HEAD + f"shots:\n  - id: a\n    prompt: {LONG}  # <-\n", {"provider": "qingbo"}),
    ("prompt-empty", "V013", HEAD + "shots:\n  - id: a\n    prompt: '  '  # <-\n", {}),
    ("keyframe-count", "V014", HEAD + "shots:\n  - id: a\n    prompt: x\n    duration: 10\n    keyframes:  # <-\n" + "".join(f"      - {{at: {i}, image: refs/a.png}}\n" for i in range(1, 8)), {}),
    ("continues-first", "V015", HEAD + "shots:\n  - {id: a, prompt: x}\n  - id: b\n    continues: a\n    first_frame: refs/a.png  # <-\n    prompt: y\n", {}),
    ("two-videos", "V016", HEAD + "assets:\n  dance: refs/dance.mp4\nshots:\n  - {id: a, prompt: x}\n  - id: b\n    extends: a\n    motion: dance  # <-\n    prompt: '@a @dance y'\n", {}),
    ("voice-length", "V017", HEAD + "characters:\n  A:\n    images: [refs/a.png]\n    voice: refs/long_voice.wav  # <-\nshots:\n  - {id: a, prompt: '@A'}\n", {"provider": "runware", "tier": "std"}),
    ("reference-grid", "V018", HEAD + "characters:\n  G: {grid: refs/grid.png}\nassets:\n  dance: refs/dance.mp4\nshots:\n  - id: a\n    motion: dance  # <-\n    prompt: '@G @dance'\n", {"provider": "apimart"}),
    ("flat-images", "V019", HEAD + "characters:\n  A: {images: [refs/a.png, refs/b.png]}\n  B: {images: [refs/c.png, refs/d.png]}\nshots:\n  - id: a\n    prompt: '@A @B'  # <-\n", {"provider": "wavespeed"}),
    ("unsupported", "P001", HEAD + "shots:\n  - id: a\n    prompt: x\n    first_frame: refs/a.png  # <-\n", {"provider": "eachlabs"}),
    ("value", "P002", HEAD + "settings:\n  aspect_ratio: '4:3'  # <-\nshots:\n  - {id: a, prompt: x}\n", {"provider": "wavespeed"}),
    ("fast-sound", "P003", HEAD + "settings:\n  tier: fast\n  sound: true  # <-\nshots:\n  - {id: a, prompt: x}\n", {"provider": "wavespeed"}),
    ("unused", "W001", HEAD + "characters:\n  Mara: {images: [refs/a.png]}  # <-\nshots:\n  - {id: a, prompt: x}\n", {}),
    ("not-in-cut", "W002", HEAD + "shots:\n  - {id: a, prompt: x}\n  - id: b  # <-\n    prompt: y\ncut: [a]\n", {}),
    ("duration-ignored", "W003", HEAD + "assets:\n  dance: refs/dance.mp4\nshots:\n  - id: a\n    motion: dance\n    duration: 8  # <-\n    prompt: '@dance x'\n", {}),
    ("derived-tag", "I001", HEAD + "shots:\n  - id: a\n    prompt: x\n    keyframes:  # <-\n      - {at: 2, image: refs/a.png}\n", {"provider": "qingbo"}),
    ("appended-tag", "I002", HEAD + "shots:\n  - id: a\n    prompt: x  # <-\n    keyframes:\n      - {at: 2, image: refs/a.png}\n", {"provider": "apimart"}),
    ("width-height", "I003", HEAD + "settings:\n  aspect_ratio: '4:3'  # <-\nshots:\n  - {id: a, prompt: x}\n", {"provider": "runware", "tier": "std"}),
    ("billed-seconds", "I004", HEAD + "assets:\n  dance: refs/dance.mp4\nshots:\n  - id: a\n    motion: dance  # <-\n    prompt: '@dance x'\n", {}),
]


def _run(project, text: str, overrides: dict[str, str]):
    path = project.write(text)
    loaded = load(path)
    if loaded.storyboard is not None:
        compile_storyboard(loaded, **overrides)
    return list(loaded.diagnostics)


@pytest.mark.parametrize(("code", "text", "overrides"), [c[1:] for c in CASES], ids=[f"{c[1]}-{c[0]}" for c in CASES])
def test_rule(project, code, text, overrides):
    text = textwrap.dedent(text)
    expected_line = next(i for i, line in enumerate(text.splitlines(), start=1) if "# <-" in line)
    diags = _run(project, text, overrides)
    found = [d for d in diags if d.code == code]
    assert found, f"expected {code}, got {[(d.code, d.message) for d in diags]}"
    assert any(d.location.line == expected_line for d in found), [(d.location.line, d.message) for d in found]
    d = next(d for d in found if d.location.line == expected_line)
    assert d.severity.value == RULES[code].severity.value
    assert d.location.column >= 1 and d.message
    assert d.location.file.endswith("storyboard.yaml")


def test_every_rule_has_a_case():
    assert {c[1] for c in CASES} | {"Y003", "Y004", "Y005"} == set(RULES)


def test_y003_file_too_large(project):
    path = project.root / "storyboard.yaml"
    path.write_bytes(b"version: 1\n" + b"# padding\n" * 900_000)
    diags = list(load(path).diagnostics)
    assert [(d.code, d.location.line) for d in diags] == [("Y003", 1)]


@pytest.mark.parametrize(
    "text",
    [
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)),
        "version: 1\nshots: " + "[" * 100 + "]" * 100 + "\n",
    ],
    ids=["alias-bomb", "deep-nesting"],
)
def test_y004_expansion_and_nesting(project, text):
    path = project.write(text)
    diags = list(load(path).diagnostics)
    assert [d.code for d in diags] == ["Y004"]


@pytest.mark.parametrize("data", [b"version: 1\x00\n", b"title: caf\xe9\n"], ids=["nul", "latin-1"])
def test_y005_not_utf8_text(project, data):
    path = project.root / "storyboard.yaml"
    path.write_bytes(data)
    diags = list(load(path).diagnostics)
    assert [(d.code, d.location.line) for d in diags] == [("Y005", 1)]


@pytest.mark.parametrize("provider", ["local", "wavespeed", "eachlabs", "runware", "qingbo", "apimart"])
def test_a_text_shot_is_valid_everywhere(project, provider):
    text = HEAD + "settings: {tier: std, resolution: 1080p}\nshots:\n  - {id: a, prompt: A quiet street at dawn.}\n"
    diags = _run(project, text, {"provider": provider})
    assert [d for d in diags if d.severity.value != "info"] == []


def test_runware_accepts_a_full_hd_motion_reference(project):
    text = HEAD + "assets:\n  hd: refs/hd.mp4\nshots:\n  - {id: a, motion: hd, prompt: '@hd x'}\n"
    diags = _run(project, text, {"provider": "runware", "tier": "std"})
    assert [d.code for d in diags if d.severity.value == "error"] == []


def test_runware_limits_prompt_to_5120_characters(project):
    ok = _run(project, HEAD + f"shots:\n  - id: a\n    prompt: {'y' * 5120}\n", {"provider": "runware", "tier": "std"})
    assert "V012" not in [d.code for d in ok]
    bad = _run(project, HEAD + f"shots:\n  - id: a\n    prompt: {'y' * 5121}\n", {"provider": "runware", "tier": "std"})
    assert "V012" in [d.code for d in bad]


@pytest.mark.parametrize(
    ("provider", "field", "snippet"),
    [
        ("wavespeed", "grid", "characters:\n  G: {grid: refs/grid.png}\nshots:\n  - {id: a, prompt: '@G'}\n"),
        ("wavespeed", "voice", "characters:\n  A: {images: [refs/a.png], voice: refs/voice.wav}\nshots:\n  - {id: a, prompt: '@A'}\n"),
        ("wavespeed", "extends", "shots:\n  - {id: a, prompt: x}\n  - {id: b, extends: a, prompt: '@a y'}\n"),
        ("wavespeed", "audio", "assets: {j: refs/jingle.wav}\nshots:\n  - {id: a, audio: j, prompt: '@j x'}\n"),
        ("wavespeed", "prompt_optimizer", "settings: {prompt_optimizer: false}\nshots:\n  - {id: a, prompt: x}\n"),
        ("eachlabs", "sound", "settings: {sound: true}\nshots:\n  - {id: a, prompt: x}\n"),
        ("eachlabs", "continues", "shots:\n  - {id: a, prompt: x}\n  - {id: b, continues: a, prompt: y}\n"),
        ("runware", "audio", "assets: {j: refs/jingle.wav}\nshots:\n  - {id: a, audio: j, prompt: '@j x'}\n"),
    ],
)
def test_provider_does_not_offer(project, provider, field, snippet):
    diags = _run(project, HEAD + "settings: {tier: std}\n" + snippet if "settings" not in snippet else HEAD + snippet, {"provider": provider, "tier": "std"})
    p001 = [d for d in diags if d.code == "P001"]
    assert p001 and f"`{field}`" in p001[0].message and provider in p001[0].message


def test_runware_has_no_fast_tier_and_at_most_8_frame_images(project):
    diags = _run(project, HEAD + "shots:\n  - {id: a, prompt: x}\n", {"provider": "runware", "tier": "fast"})
    assert "P002" in [d.code for d in diags]
    frames = "".join(f"      - {{at: {i}, image: refs/a.png}}\n" for i in range(1, 7))
    text = HEAD + f"shots:\n  - id: a\n    prompt: x\n    duration: 10\n    first_frame: refs/b.png\n    last_frame: refs/c.png\n    keyframes:\n{frames}"
    diags = _run(project, text, {"provider": "runware", "tier": "std"})
    assert [d.code for d in diags if d.severity.value == "error"] == []  # 8 frames: the limit
    text = text.replace("duration: 10", "duration: 12") + "      - {at: 11, image: refs/d.png}\n"
    diags = _run(project, text, {"provider": "runware", "tier": "std"})
    assert "V014" in [d.code for d in diags]


def test_apimart_appends_missing_tags_to_the_prompt(project):
    text = HEAD + "assets: {dance: refs/dance.mp4}\nshots:\n  - {id: a, motion: dance, prompt: A dancer moves.}\n"
    path = project.write(text)
    compiled = compile_storyboard(load(path), provider="apimart")
    assert compiled.shots["a"].request.prompt == "A dancer moves. @dance"
    assert "I002" in [d.code for d in compiled.diagnostics]


def test_three_independent_mistakes_give_three_errors(project):
    text = textwrap.dedent(
        """\
        version: 1
        characters:
          Mara: {images: [refs/a.png]}
        shots:
          - id: a
            prompt: x
            promt: y
          - id: b
            prompt: "@Mra waves"
          - id: c
            prompt: z
            duration: 20
        """
    )
    diags = _run(project, text, {})
    errors = [(d.code, d.location.line) for d in diags if d.severity.value == "error"]
    assert sorted(errors) == [("R001", 9), ("S001", 7), ("V001", 12)]
