"""The rule table, tested: every code in ``RULES`` has at least one storyboard that breaks it.

How to read a case: its YAML is dedented as ``project.write`` does; the line holding
``# <-`` is where the diagnostic must point (1-based), ``col`` is its 1-based column
where a column means something. ``provider`` and ``tier`` are the CLI overrides. A case
breaks exactly one rule: the only error codes reported are its own (plus those listed in
``also``, when one mistake is necessarily two findings). Warnings and notes are checked
on storyboards that are otherwise valid, so they must come with no error at all.

``test_every_rule_has_a_case`` fails when a rule is added to ``RULES`` without a case here.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest

from storyboard.compile import compile_storyboard
from storyboard.diagnostics import RULES, Diagnostic, Severity
from storyboard.load import load

from .conftest import Project
from .test_media_probe import png_bytes

MARK = "# <-"
MiB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    code: str
    name: str
    text: str | bytes  # bytes are written as they are (encodings, NUL, size)
    provider: str | None = None
    tier: str | None = None
    col: int | None = None
    also: frozenset[str] = frozenset()  # other error codes this mistake necessarily causes
    help: str | None = None  # a piece of the help text, where the help is the point
    message: str | None = None  # a piece of the message (the provider, the field, ...)
    shot: str | None = None  # the shot the diagnostic names, where it names one
    files: tuple[tuple[str, bytes], ...] = ()  # extra files the case needs beside refs/
    staging: bool = True  # an upload bucket is configured (P004 cases say False)

    @property
    def id(self) -> str:
        where = f"-{self.provider}" if self.provider else ""
        return f"{self.code}-{self.name}{where}"


def normalize(text: str | bytes) -> str | bytes:
    """The file content exactly as the case writes it."""
    if isinstance(text, bytes):
        return text
    return textwrap.dedent(text).lstrip("\n")


def marked_line(content: str | bytes) -> int:
    lines = content.splitlines() if isinstance(content, str) else content.decode("latin-1").splitlines()
    found = [i for i, line in enumerate(lines, start=1) if MARK in line]
    assert len(found) == 1, f"a case marks exactly one line with `{MARK}`, found {found}"
    return found[0]


def run(
    project: Project,
    content: str | bytes,
    provider: str | None = None,
    tier: str | None = None,
    files: tuple[tuple[str, bytes], ...] = (),
    staging: bool = True,
) -> list[Diagnostic]:
    """Load and, when the file loads, compile; every diagnostic of both stages, sorted."""
    for name, data in files:
        (project.root / name).parent.mkdir(parents=True, exist_ok=True)
        (project.root / name).write_bytes(data)
    path = project.root / "storyboard.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    loaded = load(path)
    if loaded.storyboard is not None:
        compile_storyboard(loaded, provider=provider, tier=tier, staging=staging)
    return list(loaded.diagnostics)


def errors(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.severity is Severity.error]


def shown(diags: list[Diagnostic]) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.location.line, d.location.column, d.message) for d in diags]


# -- reusable pieces ------------------------------------------------------------------------

SEVEN_CHARACTERS = "characters:\n" + "".join(
    f"  {c}: {{images: [refs/{f}.png]}}\n" for c, f in zip("ABCDEFG", "abcdefa", strict=True)
)
SEVEN_TAGS = " ".join(f"@{c}" for c in "ABCDEFG")
SIX_CHARACTERS = "characters:\n" + "".join(
    f"  {c}: {{images: [refs/{f}.png]}}\n" for c, f in zip("ABCDEF", "abcdef", strict=True)
)
SIX_TAGS = " ".join(f"@{c}" for c in "ABCDEF")


def keyframes(n: int, mark: bool = True) -> str:
    """A keyframes list of ``n`` images at 1, 2, ... s (indented for a shot); the key carries the mark."""
    items = "".join(f"      - {{at: {i}, image: refs/{'abcdef'[(i - 1) % 6]}.png}}\n" for i in range(1, n + 1))
    return f"    keyframes:{'  ' + MARK if mark else ''}\n" + items


def long_prompt(n: int) -> str:
    return "version: 1\nshots:\n  - id: a\n    prompt: " + "w" * n + f"  {MARK}\n"


BILLION_LAUGHS = (
    "version: 1\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    f"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]  {MARK}\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
    "shots: [{id: a, prompt: x}]\n"
)
DEEP_NESTING = "version: 1\nshots: " + "[" * 100 + "]" * 100 + f"  {MARK}\n"
TOO_LARGE = b"version: 1  " + MARK.encode() + b"\nshots: [{id: a, prompt: x}]\n" + b"# padding\n" * (MiB - 1)


# -- the table ------------------------------------------------------------------------------

CASES: list[Case] = [
    # Y: reading the file ----------------------------------------------------------------
    Case(
        "Y001",
        "mapping-in-plain-scalar",
        """
        version: 1
        shots:
          - id: a
            prompt: a: b  # <-
        """,
        col=14,
    ),
    Case(
        "Y001",
        "second-document",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        ---  # <-
        version: 1
        """,
        col=1,
    ),
    Case(
        "Y001",
        "unknown-alias",
        """
        version: 1
        title: *nope  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=8,
    ),
    Case("Y002", "comments-only", "# a storyboard, some day  # <-\n# not yet\n", col=1),
    Case("Y002", "empty-file", "", col=1),  # nothing to mark: EXPLICIT_LINES
    Case("Y002", "blank-lines", "\n  \n\t\n", col=1),
    Case("Y003", "ten-mebibytes", TOO_LARGE, col=1, message="8,388,608 bytes"),
    Case("Y004", "billion-laughs", BILLION_LAUGHS, col=8, help="alias bomb"),
    Case("Y004", "flow-nesting-100-deep", DEEP_NESTING, col=8 + 63, message="deeper than 64"),
    Case("Y005", "nul-byte", b"version: 1\ntitle: ab\x00cd  " + MARK.encode() + b"\n", col=10, message="NUL"),
    Case(
        "Y005",
        "latin-1",
        b"version: 1\nshots: [{id: a, prompt: caf\xe9}]  " + MARK.encode() + b"\n",
        col=28,
        message="0xe9",
    ),
    Case("Y005", "utf-16", "version: 1  # <-\nshots: [{id: a, prompt: x}]\n".encode("utf-16"), col=4, message="NUL"),
    Case(
        "Y006",
        "top-level",
        """
        version: 1
        title: first
        title: second  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=1,
        message="`title`",
    ),
    Case(
        "Y006",
        "inside-a-shot",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            prompt: y  # <-
        """,
        col=5,
    ),
    Case(
        "Y007",
        "python-tag",
        """
        version: 1
        title: !!python/object:os.system x  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=8,
    ),
    Case(
        "Y007",
        "tag-on-a-mapping",
        """
        version: 1
        settings: !custom {tier: std}  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=11,
    ),
    Case(
        "Y007",
        "list-as-key",
        """
        version: 1
        ? [a, b]  # <-
        : c
        shots: [{id: a, prompt: x}]
        """,
        col=3,
    ),
    Case(
        "Y008",
        "octal-duration",
        """
        version: 1
        settings:
          duration: 010  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=13,
        message="octal number 8",
        help="write 8 or 10",
    ),
    Case(
        "Y008",
        "unquoted-aspect-ratio",
        """
        version: 1
        settings:
          aspect_ratio: 16:9  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=17,
        message="base-60 number 969",
        help="quote it: '16:9'",
    ),
    Case(
        "Y008",
        "yes-for-true",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            sound: yes  # <-
        """,
        col=12,
        help="write true",
    ),
    Case(
        "Y008",
        "underscored-number",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            duration: 1_0  # <-
        """,
        col=15,
        help="write 10",
    ),
    Case(
        "Y008",
        "exponent-without-a-dot",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            keyframes: [{at: 2.5e0, image: refs/a.png}]  # <-
        """,
        col=22,
        message="text in YAML 1.1",
        help="write 2.5",
    ),
    # S: shape ----------------------------------------------------------------------------
    Case(
        "S001",
        "misspelt-shot-key",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            promt: y  # <-
        """,
        col=5,
        help="did you mean `prompt`?",
        shot="a",
    ),
    Case(
        "S001",
        "misspelt-top-level-key",
        """
        version: 1
        charactres: {}  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=1,
        help="did you mean `characters`?",
    ),
    Case(
        "S001",
        "negative-prompt",
        """
        version: 1
        shots:
          - id: a
            prompt: a quiet street
            negative_prompt: cars  # <-
        """,
        col=5,
        help="does not support negative prompts",
    ),
    Case(
        "S002",
        "duration-word",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            duration: five  # <-
        """,
        col=15,
    ),
    Case(
        "S002",
        "duration-fraction",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            duration: 4.5  # <-
        """,
        col=15,
        help="whole seconds: write 4 or 5",
    ),
    Case(
        "S002",
        "quoted-boolean",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            sound: "yes"  # <-
        """,
        col=12,
        message="must be true or false",
        help="write true (without quotes)",
    ),
    Case(
        "S002",
        "quoted-number",
        """
        version: 1
        settings:
          duration: "6"  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=13,
        help="write 6 without quotes",
    ),
    Case(
        "S002",
        "images-not-a-list",
        """
        version: 1
        characters:
          A:
            images: refs/a.png  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=13,
    ),
    Case(
        "S002",
        "shots-a-mapping",
        """
        version: 1
        shots: {id: a, prompt: x}  # <-
        """,
        col=8,
        also=frozenset({"S006"}),
    ),
    Case(
        "S003",
        "shot-without-prompt",
        """
        version: 1
        shots:
          - id: a  # <-
            duration: 4
        """,
        col=5,
        help="every shot needs a prompt",
    ),
    Case(
        "S003",
        "no-version",
        """
        shots: [{id: a, prompt: x}]  # <-
        """,
        col=1,
    ),
    Case(
        "S003",
        "keyframe-without-image",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            keyframes:
              - {at: 2}  # <-
        """,
        col=9,
    ),
    Case(
        "S004",
        "tier",
        """
        version: 1
        settings:
          tier: fastt  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=9,
        help="did you mean `fast`?",
    ),
    Case(
        "S004",
        "provider",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            provider: wavespeedai  # <-
        """,
        col=15,
        help="did you mean `wavespeed`?",
    ),
    Case(
        "S004",
        "aspect-ratio",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            aspect_ratio: '21:9'  # <-
        """,
        col=19,
    ),
    Case(
        "S005",
        "version-2",
        """
        version: 2  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=10,
    ),
    Case(
        "S006",
        "no-shots",
        """
        version: 1
        shots: []  # <-
        """,
        col=8,
    ),
    Case(
        "S007",
        "store-not-s3",
        """
        version: 1
        settings: {store: "https://bucket.example/x"}  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=19,
        message="must be an S3 URL",
    ),
    # N: names ----------------------------------------------------------------------------
    Case(
        "N001",
        "capital-letter",
        """
        version: 1
        shots:
          - id: Open  # <-
            prompt: x
        """,
        col=9,
        help="`open`",
    ),
    Case(
        "N001",
        "id-too-long-for-a-file-name",
        """
        version: 1
        shots:
          - id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  # <-
            prompt: x
        """,
        col=9,
        message="300 characters long; at most 64",
    ),
    Case(
        "N002",
        "name-too-long",
        """
        version: 1
        characters:
          MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM: {images: [refs/a.png]}  # <-
        shots: [{id: a, prompt: '@MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM x'}]
        """,
        col=3,
        message="65 characters long",
    ),
    Case(
        "N001",
        "leading-underscore",
        """
        version: 1
        shots:
          - id: _take  # <-
            prompt: x
        """,
        col=9,
    ),
    Case(
        "N002",
        "character-starts-with-digit",
        """
        version: 1
        characters:
          1Mara: {images: [refs/a.png]}  # <-
        shots:
          - {id: a, prompt: '@1Mara waves'}
        """,
        col=3,
    ),
    Case(
        "N002",
        "asset-with-a-dot",
        """
        version: 1
        assets:
          song.v2: refs/jingle.wav  # <-
        shots:
          - {id: a, audio: song.v2, prompt: 'x'}
        """,
        col=3,
    ),
    Case(
        "N004",
        "tag-with-a-selector-operator",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            tags: [hero, "b+roll"]  # <-
        """,
        col=18,
        shot="a",
        help="`b-roll`",
    ),
    Case(
        "N003",
        "shot-named-like-an-asset",
        """
        version: 1
        assets:
          a: refs/jingle.wav
        shots:
          - {id: b, audio: a, prompt: x}
          - id: a  # <-
            prompt: y
        """,
        col=9,
        shot="a",
    ),
    Case(
        "N003",
        "asset-named-like-a-character",
        """
        version: 1
        characters:
          Mara: {images: [refs/a.png]}
        assets:
          Mara: refs/jingle.wav  # <-
        shots:
          - {id: a, prompt: '@Mara'}
        """,
        col=3,
    ),
    Case(
        "N003",
        "two-shots-one-id",
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - {id: a, prompt: y}  # <-
        """,
        col=10,
    ),
    # M: media ----------------------------------------------------------------------------
    Case(
        "M001",
        "typo-in-path",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            first_frame: refs/a.pgn  # <-
        """,
        col=18,
        help="did you mean `refs/a.png`?",
        shot="a",
    ),
    Case(
        "M001",
        "missing-voice",
        """
        version: 1
        characters:
          A:
            images: [refs/a.png]
            voice: refs/nobody.wav  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=12,
    ),
    Case(
        "M002",
        "parent-folder",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            first_frame: ../outside.png  # <-
        """,
        col=18,
    ),
    Case(
        "M003",
        "plain-http",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            first_frame: http://example.com/a.png  # <-
        """,
        col=18,
    ),
    Case(
        "M003",
        "absolute-path",
        """
        version: 1
        characters:
          A: {images: [refs/a.png, /etc/b.png]}  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=28,
    ),
    Case(
        "M003",
        "data-uri",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            last_frame: 'data:image/png;base64,AAAA'  # <-
        """,
        col=17,
    ),
    Case(
        "M004",
        "video-as-first-frame",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            first_frame: refs/dance.mp4  # <-
        """,
        col=18,
    ),
    Case(
        "M004",
        "image-as-voice",
        """
        version: 1
        characters:
          A:
            images: [refs/a.png]
            voice: refs/b.png  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=12,
    ),
    Case(
        "M004",
        "image-as-asset",
        """
        version: 1
        assets:
          still: refs/a.png  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=10,
    ),
    Case(
        "M005",
        "broken-motion-video",
        """
        version: 1
        assets:
          bad: refs/broken.mp4  # <-
        shots:
          - {id: a, motion: bad, prompt: '@bad x'}
        """,
        col=8,
    ),
    Case(
        "M005",
        "broken-audio-asset",
        """
        version: 1
        assets:
          song: refs/song.wav  # <-
        shots:
          - {id: a, audio: song, prompt: '@song x'}
        """,
        col=9,
        files=(("refs/song.wav", b"RIFF but not really"),),
    ),
    Case(
        "M005",
        "broken-voice",
        """
        version: 1
        characters:
          A:
            images: [refs/a.png]
            voice: refs/hum.mp3  # <-
        shots: [{id: a, prompt: '@A hums'}]
        """,
        col=12,
        files=(("refs/hum.mp3", b"not an mp3"),),
    ),
    Case(
        "M006",
        "image-too-wide",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            first_frame: refs/wide.png  # <-
        """,
        col=18,
        message="10000x2",
        help="8,192 pixels a side",
        files=(("refs/wide.png", png_bytes(10000, 2)),),
    ),
    Case(
        "M007",
        "password-in-url",
        """
        version: 1
        characters:
          A: {images: ['https://ann:hunter2@cdn.example.com/a.png']}  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=16,
        help="user:password@",
    ),
    # T: templates ------------------------------------------------------------------------
    Case(
        "T001",
        "unclosed-expression",
        """
        version: 1
        shots:
          - id: a
            prompt: 'x {{ y'  # <-
        """,
        col=13,
    ),
    Case(
        "T001",
        "third-line-of-a-block",
        """
        version: 1
        shots:
          - id: a
            prompt: |
              A quiet street.
              Rain {{ oops  # <-
        """,
        col=7,
    ),
    Case(
        "T001",
        "first-line-of-a-block",
        """
        version: 1
        shots:
          - id: a
            prompt: |
              Rain {{ 1 + }}  # <-
              and more
        """,
        col=7,
    ),
    Case(
        "T001",
        "escaped-newline-then-another-shot",
        """
        version: 1
        shots:
          - id: a
            prompt: "A quiet street.\\nRain {{ oops"  # <-
          - id: b
            prompt: y
        """,
    ),
    Case(
        "T002",
        "second-line-of-a-block",
        """
        version: 1
        vars: {look: warm amber}
        shots:
          - id: a
            prompt: |
              A quiet street,
              {{ lok }} light.  # <-
        """,
        col=7,
        help="did you mean `look`?",
    ),
    Case(
        "T002",
        "misspelt-variable",
        """
        version: 1
        vars: {look: warm amber}
        shots:
          - id: a
            prompt: 'x {{ lok }}'  # <-
        """,
        col=13,
        help="did you mean `look`?",
    ),
    Case(
        "T003",
        "dunder-access",
        """
        version: 1
        shots:
          - id: a
            prompt: "{{ ''.__class__.__mro__ }}"  # <-
        """,
        col=13,
    ),
    Case(
        "T004",
        "division-by-zero",
        """
        version: 1
        vars: {n: 0}
        shots:
          - id: a
            prompt: '{{ 1 / n }}'  # <-
        """,
        col=13,
    ),
    Case(
        "T005",
        "nested-loops-over-a-long-string",
        """
        version: 1
        shots:
          - id: a
            prompt: "{% for i in 'x' * 1000 %}{% for j in 'x' * 1000 %}{% endfor %}{% endfor %}x"  # <-
        """,
        col=13,
        help="loop over a short list",
    ),
    # R: references -----------------------------------------------------------------------
    Case(
        "R001",
        "misspelt-character",
        """
        version: 1
        characters:
          Mara: {images: [refs/a.png]}
        shots:
          - {id: a, prompt: '@Mara waves'}
          - id: b
            prompt: 'Then @Mra waves'  # <-
        """,
        col=19,
        help="did you mean `@Mara`?",
        shot="b",
    ),
    Case(
        "R001",
        "asset-the-shot-does-not-use",
        """
        version: 1
        assets:
          jingle: refs/jingle.wav
        shots:
          - {id: a, audio: jingle, prompt: '@jingle x'}
          - id: b
            prompt: 'sing to @jingle'  # <-
        """,
        col=22,
        help="set `audio: jingle`",
    ),
    Case(
        "R001",
        "shot-not-extended",
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - id: b
            prompt: 'like @a'  # <-
        """,
        col=19,
        help="`extends: a`",
    ),
    Case(
        "R002",
        "continues-unknown-shot",
        """
        version: 1
        shots:
          - {id: open, prompt: x}
          - id: b
            continues: opne  # <-
            prompt: y
        """,
        col=16,
        help="did you mean `open`?",
        shot="b",
    ),
    Case(
        "R002",
        "cut-names-unknown-shot",
        """
        version: 1
        shots:
          - {id: a, prompt: x}
        cut:
          - a
          - b  # <-
        """,
        col=5,
    ),
    Case(
        "R003",
        "two-shot-cycle",
        """
        version: 1
        shots:
          - id: a
            continues: b
            prompt: x
          - id: b
            continues: a  # <-
            prompt: y
        """,
        col=16,
        message="a -> b -> a",
    ),
    Case(
        "R003",
        "extends-itself",
        """
        version: 1
        shots:
          - id: a
            extends: a  # <-
            prompt: '@a x'
        """,
        col=14,
    ),
    Case(
        "R004",
        "motion-names-audio",
        """
        version: 1
        assets:
          song: refs/jingle.wav
        shots:
          - id: a
            motion: song  # <-
            prompt: '@song x'
        """,
        col=13,
    ),
    Case(
        "R004",
        "audio-names-video",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - id: a
            audio: dance  # <-
            prompt: x
        """,
        col=12,
    ),
    Case(
        "R004",
        "motion-names-nothing",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - {id: a, motion: dance, prompt: x}
          - id: b
            motion: dace  # <-
            prompt: y
        """,
        col=13,
        help="did you mean `dance`?",
    ),
    Case(
        "R005",
        "take-beyond-takes",
        """
        version: 1
        shots:
          - id: pour
            takes: 3
            take: 5  # <-
            prompt: x
        """,
        col=11,
        message="shot `pour` picks take 5 but has only 3 takes",
    ),
    # V: SkyReels V4 ----------------------------------------------------------------------
    Case(
        "V001",
        "twenty-seconds",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            duration: 20  # <-
        """,
        col=15,
    ),
    Case(
        "V001",
        "two-seconds-in-settings",
        """
        version: 1
        settings:
          duration: 2  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=13,
        message="from `settings`",
    ),
    Case(
        "V002",
        "character-and-first-frame",
        """
        version: 1
        characters:
          Mara: {images: [refs/a.png]}
        shots:
          - id: a  # <-
            prompt: '@Mara x'
            first_frame: refs/b.png
        """,
        col=9,
    ),
    Case(
        "V002",
        "continues-and-motion",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - {id: a, prompt: x}
          - id: b  # <-
            continues: a
            motion: dance
            prompt: '@dance y'
        """,
        col=9,
    ),
    Case(
        "V003",
        "extends-with-a-character",
        """
        version: 1
        characters:
          Mara: {images: [refs/a.png]}
        shots:
          - {id: a, prompt: x}
          - id: b
            extends: a  # <-
            prompt: '@a @Mara y'
        """,
        col=5,
    ),
    Case(
        "V004",
        "not-increasing",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            keyframes:
              - {at: 3, image: refs/a.png}
              - {at: 3, image: refs/b.png}  # <-
        """,
        col=14,
    ),
    Case(
        "V004",
        "at-the-end",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            duration: 4
            keyframes:
              - {at: 4, image: refs/a.png}  # <-
        """,
        col=14,
    ),
    Case(
        "V004",
        "at-zero",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            keyframes:
              - {at: 0, image: refs/a.png}  # <-
        """,
        col=14,
    ),
    Case(
        "V005",
        "four-groups",
        """
        version: 1
        characters:
          A: {images: [refs/a.png]}
          B: {images: [refs/b.png]}
          C: {images: [refs/c.png]}
          D: {images: [refs/d.png]}
        shots:
          - id: a
            prompt: '@A @B @C @D'  # <-
        """,
        provider="runware",
        col=13,
        message="at most 3",
    ),
    *[
        Case(
            "V005",
            "seven-groups",
            "version: 1\n" + SEVEN_CHARACTERS + f"shots:\n  - id: a\n    prompt: '{SEVEN_TAGS}'  {MARK}\n",
            provider=p,
            col=13,
            message="at most 6",
        )
        for p in ("local", "eachlabs", "apimart")
    ],
    Case(
        "V005",
        "four-groups",
        """
        version: 1
        characters:
          A: {images: [refs/a.png]}
          B: {images: [refs/b.png]}
          C: {images: [refs/c.png]}
          D: {images: [refs/d.png]}
        shots:
          - id: a
            prompt: '@A @B @C @D'  # <-
        """,
        provider="qingbo",
        col=13,
        message="at most 3",
    ),  # Q5 "type: image: 1 to 3 entries"
    Case(
        "V006",
        "six-images",
        """
        version: 1
        characters:
          A:
            images: [refs/a.png, refs/b.png, refs/c.png, refs/d.png, refs/e.png, refs/f.png]  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=13,
    ),
    Case(
        "V006",
        "no-images",
        """
        version: 1
        characters:
          A:
            images: []  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=13,
    ),
    Case(
        "V007",
        "images-and-grid",
        """
        version: 1
        characters:
          A: {images: [refs/a.png], grid: refs/grid.png}  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=3,
        message="found both",
    ),
    Case(
        "V007",
        "neither",
        """
        version: 1
        characters:
          A: {voice: refs/voice.wav}  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=3,
        message="found neither",
    ),
    Case(
        "V008",
        "grid-with-voice",
        """
        version: 1
        characters:
          A:
            grid: refs/grid.png
            voice: refs/voice.wav  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        col=5,
    ),
    Case(
        "V009",
        "image-and-grid-groups",
        """
        version: 1
        characters:
          A: {images: [refs/a.png]}
          G: {grid: refs/grid.png}
        shots:
          - id: a
            prompt: '@A and @G'  # <-
        """,
        col=13,
    ),
    Case(
        "V010",
        "twelve-second-asset",
        """
        version: 1
        assets:
          long: refs/long.mp4
        shots:
          - id: a
            motion: long  # <-
            prompt: '@long x'
        """,
        col=13,
        message="at most 10 s",
    ),
    Case(
        "V010",
        "twelve-second-shot",
        """
        version: 1
        shots:
          - {id: a, prompt: x, duration: 12}
          - id: b
            motion: a  # <-
            prompt: '@a y'
        """,
        col=13,
        shot="b",
    ),
    Case(
        "V011",
        "small-motion-video",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - id: a
            motion: dance  # <-
            prompt: '@dance x'
        """,
        provider="runware",
        col=13,
        message="57,600 pixels",
    ),
    Case(
        "V011",
        "extends-a-720p-shot",
        """
        version: 1
        shots:
          - {id: a, prompt: x, resolution: 720p}
          - id: b
            extends: a  # <-
            prompt: '@a y'
        """,
        provider="runware",
        col=14,
        message="1280x720",
    ),
    Case(
        "V011",
        "twelve-seconds-is-fine-but-160x90-is-not",
        """
        version: 1
        assets:
          long: refs/long.mp4
        shots:
          - id: a
            motion: long  # <-
            prompt: '@long x'
        """,
        provider="runware",
        col=13,
        message="14,400 pixels",
    ),
    Case("V012", "4001-characters", long_prompt(4001), provider="local", col=13, message="at most 4,000"),
    Case("V012", "4001-characters", long_prompt(4001), provider="eachlabs", col=13),
    Case("V012", "4001-characters", long_prompt(4001), provider="qingbo", col=13),
    Case("V012", "4001-characters", long_prompt(4001), provider="apimart", col=13),
    Case("V012", "5121-characters", long_prompt(5121), provider="runware", col=13, message="at most 5,120"),
    Case(
        "V012",
        "rendered-from-a-variable",
        """
        version: 1
        vars: {word: wwww}
        shots:
          - id: a
            prompt: "{{ word * 1001 }}"  # <-
        """,
        provider="qingbo",
        col=13,
    ),
    Case(
        "V013",
        "blank",
        """
        version: 1
        shots:
          - id: a
            prompt: '  '  # <-
        """,
        col=13,
    ),
    Case(
        "V013",
        "renders-empty",
        """
        version: 1
        vars: {nothing: ''}
        shots:
          - id: a
            prompt: '{{ nothing }}'  # <-
        """,
        col=13,
    ),
    Case(
        "V014",
        "seven-keyframes",
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n" + keyframes(7),
        provider="local",
        col=5,
        message="at most 6",
    ),
    Case(
        "V014",
        "seven-keyframes",
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n" + keyframes(7),
        provider="qingbo",
        col=5,
    ),
    Case(
        "V014",
        "seven-keyframes",
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n" + keyframes(7),
        provider="apimart",
        col=5,
    ),
    Case(
        "V014",
        "nine-frame-images",
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n"
        "    first_frame: refs/a.png\n    last_frame: refs/b.png\n" + keyframes(7),
        provider="runware",
        col=5,
        message="9 frame images",
    ),
    Case(
        "V014",
        "continuity-counts-as-a-frame",
        "version: 1\nshots:\n  - {id: z, prompt: w}\n  - id: a\n"
        "    continues: z\n    prompt: x\n    duration: 10\n    last_frame: refs/b.png\n" + keyframes(7),
        provider="runware",
        col=5,
        message="9 frame images",
    ),
    Case(
        "V014",
        "nine-keyframes",
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n" + keyframes(9),
        provider="runware",
        col=5,
        message="at most 8",
    ),
    Case(
        "V015",
        "continues-and-first-frame",
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - id: b
            continues: a
            first_frame: refs/a.png  # <-
            prompt: y
        """,
        col=5,
    ),
    Case(
        "V016",
        "extends-and-motion",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - {id: a, prompt: x}
          - id: b
            extends: a
            motion: dance  # <-
            prompt: '@a @dance y'
        """,
        col=5,
    ),
    Case(
        "V017",
        "sixteen-second-voice",
        """
        version: 1
        characters:
          A:
            images: [refs/a.png]
            voice: refs/long_voice.wav  # <-
        shots: [{id: a, prompt: '@A'}]
        """,
        provider="runware",
        col=12,
        message="at most 15 s",
    ),
    Case(
        "V018",
        "motion-with-a-grid",
        """
        version: 1
        characters:
          G: {grid: refs/grid.png}
        assets:
          dance: refs/dance.mp4
        shots:
          - id: a
            motion: dance  # <-
            prompt: '@G @dance'
        """,
        provider="apimart",
        col=13,
    ),
    Case(
        "V019",
        "four-flat-images",
        """
        version: 1
        characters:
          A: {images: [refs/a.png, refs/b.png]}
          B: {images: [refs/c.png, refs/d.png]}
        shots:
          - id: a
            prompt: '@A @B'  # <-
        """,
        provider="wavespeed",
        col=13,
        message="at most 3",
    ),
    Case(
        "V020",
        "characters-and-a-motion-asset",
        """
        version: 1
        characters:
          A: {images: [refs/a.png]}
        assets:
          hd: refs/hd.mp4
        shots:
          - id: a
            motion: hd  # <-
            prompt: '@A imitates @hd'
        """,
        provider="runware",
        col=13,
        message="@A with `motion: hd`",
        help="two shots",
    ),
    Case(
        "V020",
        "characters-and-a-motion-shot",
        """
        version: 1
        characters:
          A: {images: [refs/a.png]}
        shots:
          - {id: a, prompt: x}
          - id: b
            motion: a  # <-
            prompt: '@A moves like @a'
        """,
        provider="runware",
        col=13,
        shot="b",
        help="qingbo",
    ),
    Case(
        "V021",
        "two-grid-groups",
        """
        version: 1
        characters:
          G: {grid: refs/grid.png}
          H: {grid: refs/grid.png}
        shots:
          - id: a
            prompt: '@G meets @H'  # <-
        """,
        provider="runware",
        col=13,
        message="at most 1 grid group",
    ),
    Case(
        "V021",
        "two-grid-groups",
        """
        version: 1
        characters:
          G: {grid: refs/grid.png}
          H: {grid: refs/grid.png}
        shots:
          - id: a
            prompt: '@G meets @H'  # <-
        """,
        provider="qingbo",
        col=13,
        message="at most 1 grid group",
    ),  # Q5 "type: grid: 1 entry with 1 image"
    # P: what a provider offers ---------------------------------------------------------
    Case(
        "P001",
        "grid",
        """
        version: 1
        characters:
          G: {grid: refs/grid.png}
        shots:
          - id: a
            prompt: '@G'  # <-
        """,
        provider="wavespeed",
        col=13,
        message="(`grid`)",
    ),
    Case(
        "P001",
        "voice",
        """
        version: 1
        characters:
          A: {images: [refs/a.png], voice: refs/voice.wav}
        shots:
          - id: a
            prompt: '@A'  # <-
        """,
        provider="wavespeed",
        col=13,
        message="(`voice`)",
    ),
    *[
        Case(
            "P001",
            field,
            f"""
            version: 1
            shots:
              - id: a
                prompt: x
                {field}: refs/a.png  # <-
            """,
            provider=p,
            col=5,
            message=f"(`{field}`)",
            help="qingbo, apimart",
        )
        for field in ("first_frame", "last_frame")
        for p in ("wavespeed", "eachlabs")
    ],
    *[
        Case(
            "P001",
            "keyframes",
            """
            version: 1
            shots:
              - id: a
                prompt: x
                keyframes:  # <-
                  - {at: 2, image: refs/a.png}
            """,
            provider=p,
            col=5,
            message="(`keyframes`)",
        )
        for p in ("wavespeed", "eachlabs")
    ],
    *[
        Case(
            "P001",
            "continues",
            """
            version: 1
            shots:
              - {id: a, prompt: x}
              - id: b
                continues: a  # <-
                prompt: y
            """,
            provider=p,
            col=5,
            message="(`continues`)",
        )
        for p in ("wavespeed", "eachlabs")
    ],
    Case(
        "P001",
        "extends",
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - id: b
            extends: a  # <-
            prompt: '@a y'
        """,
        provider="wavespeed",
        col=14,
        message="(`extends`)",
    ),
    *[
        Case(
            "P001",
            "audio",
            """
            version: 1
            assets:
              jingle: refs/jingle.wav
            shots:
              - id: a
                audio: jingle  # <-
                prompt: '@jingle x'
            """,
            provider=p,
            col=5,
            message="(`audio`)",
        )
        for p in ("wavespeed", "eachlabs", "runware", "qingbo", "apimart")  # qingbo Q5, apimart: no audio_urls
    ],
    Case(
        "P001",
        "prompt-optimizer-off",
        """
        version: 1
        settings:
          prompt_optimizer: false  # <-
        shots: [{id: a, prompt: x}]
        """,
        provider="wavespeed",
        col=21,
        message="(`prompt_optimizer`)",
    ),
    Case(
        "P001",
        "sound",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            sound: true  # <-
        """,
        provider="eachlabs",
        col=12,
        message="(`sound`)",
    ),
    *[
        Case(
            "P001",
            "sound",
            """
            version: 1
            shots:
              - id: a
                prompt: x
                sound: true  # <-
            """,
            provider=p,
            col=12,
            message="(`sound`)",
            help="wavespeed",
        )
        for p in ("qingbo", "apimart")  # qingbo Q5 "Any other parameter returns 400"; apimart A1/A5 list no sound
    ],
    Case(
        "P001",
        "extends",
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - id: b
            extends: a  # <-
            prompt: '@a y'
        """,
        provider="qingbo",
        col=14,
        message="(`extends`)",
        help="apimart",
    ),  # Q5: generate only
    Case(
        "P002",
        "motion-at-1080p",
        """
        version: 1
        settings:
          resolution: 1080p  # <-
        assets:
          dance: refs/dance.mp4
        shots:
          - {id: a, motion: dance, prompt: '@dance x'}
        """,
        provider="qingbo",
        col=15,
        message="only at 480p or 720p",
        help="`resolution: 720p`",
    ),  # Q5, Q8
    Case(
        "P002",
        "motion-shot-at-the-default-1080p",
        """
        version: 1
        shots:
          - {id: a, prompt: x, resolution: 720p}
          - id: b  # <-
            motion: a
            prompt: '@a y'
        """,
        provider="qingbo",
        col=9,
        shot="b",
        message="1080p (the default)",
    ),
    Case(
        "P002",
        "aspect-4-3",
        """
        version: 1
        settings:
          aspect_ratio: '4:3'  # <-
        shots: [{id: a, prompt: x}]
        """,
        provider="wavespeed",
        col=17,
        message="aspect ratio 4:3",
    ),
    Case(
        "P002",
        "aspect-3-4-on-a-shot",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            aspect_ratio: '3:4'  # <-
        """,
        provider="wavespeed",
        col=19,
    ),
    Case(
        "P002",
        "fast-tier",
        """
        version: 1
        settings:
          tier: fast  # <-
        shots: [{id: a, prompt: x}]
        """,
        provider="runware",
        col=9,
        message="`fast` tier",
    ),
    Case(
        "P002",
        "fast-tier-from-the-flag",
        """
        version: 1
        shots:
          - id: a  # <-
            prompt: x
        """,
        provider="runware",
        tier="fast",
        col=9,
        message="from --tier",
    ),
    Case(
        "P003",
        "fast-and-sound",
        """
        version: 1
        settings:
          tier: fast
          sound: true  # <-
        shots: [{id: a, prompt: x}]
        """,
        provider="wavespeed",
        col=10,
    ),
    Case(
        "P004",
        "image-file-without-bucket",
        """
        version: 1
        characters:
          Mara:
            images: [refs/a.png, refs/b.png]  # <-
        shots: [{id: a, prompt: "@Mara waves"}]
        """,
        provider="eachlabs",
        col=14,
        staging=False,
        shot="a",
        message="`refs/a.png` to eachlabs",
        help="STORYBOARD_UPLOAD_URL",
    ),
    Case(
        "P004",
        "voice-for-runware-without-bucket",
        """
        version: 1
        characters:
          Mara:
            images: [refs/a.png]
            voice: refs/voice.wav  # <-
        shots: [{id: a, prompt: "@Mara sings"}]
        """,
        provider="runware",
        col=12,
        staging=False,
        message="audios only as URLs",
    ),
    Case(
        "P004",
        "continuity-frame-without-bucket",
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - id: b
            continues: a  # <-
            prompt: y
        """,
        provider="qingbo",
        col=16,
        staging=False,
        shot="b",
        message="the last frame of `a`",
    ),
    Case(
        "P005",
        "sound-with-a-motion-asset",
        """
        version: 1
        assets:
          hd: refs/hd.mp4
        shots:
          - id: a
            motion: hd
            sound: true  # <-
            prompt: '@hd x'
        """,
        provider="runware",
        col=12,
        message="`motion: hd`",
        help="`sound: false`",
    ),
    Case(
        "P005",
        "sound-from-settings",
        """
        version: 1
        settings:
          sound: true  # <-
        shots:
          - {id: a, prompt: x}
          - {id: b, motion: a, prompt: '@a y'}
        """,
        provider="runware",
        col=10,
        shot="b",
        message="(from `settings`)",
    ),
    Case(
        "P006",
        "1080p-4-3",
        """
        version: 1
        settings:
          aspect_ratio: '4:3'  # <-
        shots: [{id: a, prompt: x}]
        """,
        provider="runware",
        col=17,
        message="1080p 4:3 is not in it",
        help="`resolution: 480p`",
    ),
    Case(
        "P006",
        "720p-3-4-on-a-shot",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            resolution: 720p
            aspect_ratio: '3:4'  # <-
        """,
        provider="runware",
        col=19,
        message="480p 3:4 (560x736)",
        help="`aspect_ratio: '16:9'`",
    ),
    Case(
        "P006",
        "1080p-1-1",
        """
        version: 1
        settings:
          resolution: 1080p
          aspect_ratio: '1:1'  # <-
        shots: [{id: a, prompt: x}]
        """,
        provider="runware",
        col=17,
        help="`resolution: 720p`",
    ),
    # W: warnings -------------------------------------------------------------------------
    Case(
        "W001",
        "unused-character",
        """
        version: 1
        characters:
          Mara: {images: [refs/a.png]}  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=3,
    ),
    Case(
        "W001",
        "unused-asset",
        """
        version: 1
        assets:
          jingle: refs/jingle.wav  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=3,
    ),
    Case(
        "W002",
        "not-in-the-cut",
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - id: b  # <-
            prompt: y
        cut: [a]
        """,
        col=9,
        shot="b",
    ),
    Case(
        "W003",
        "duration-ignored",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - id: a
            motion: dance
            duration: 8  # <-
            prompt: '@dance x'
        """,
        col=15,
    ),
    # I: derived on the user's behalf ----------------------------------------------------
    Case(
        "I001",
        "mid-frame-tags",
        """
        version: 1
        shots:
          - id: a
            prompt: x
            keyframes:  # <-
              - {at: 2, image: refs/a.png}
        """,
        provider="qingbo",
        col=5,
        message="@kf1",
    ),
    Case(
        "I001",
        "reference-video-tag",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - id: a
            motion: dance  # <-
            prompt: A dancer moves.
        """,
        provider="eachlabs",
        col=13,
        message="@dance",
    ),
    Case(
        "I002",
        "keyframe-tag-appended",
        """
        version: 1
        shots:
          - id: a
            prompt: x  # <-
            keyframes:
              - {at: 2, image: refs/a.png}
        """,
        provider="apimart",
        col=13,
        message="@kf1",
    ),
    Case(
        "I002",
        "video-tag-appended",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - id: a
            motion: dance
            prompt: A dancer moves.  # <-
        """,
        provider="apimart",
        col=13,
        message="@dance",
    ),
    Case(
        "I003",
        "width-height",
        """
        version: 1
        settings:
          resolution: 480p
          aspect_ratio: '4:3'  # <-
        shots: [{id: a, prompt: x}]
        """,
        provider="runware",
        col=17,
        message="736x560",
    ),
    Case(
        "O001",
        "output-a-device",
        """
        version: 1
        settings:
          output: /dev/null  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=11,
        help="inside the project",
    ),
    Case(
        "O001",
        "output-climbs-out",
        """
        version: 1
        settings:
          output: ../../x.mp4  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=11,
        message="outside the storyboard's folder",
    ),
    Case(
        "O002",
        "output-in-the-store",
        """
        version: 1
        settings:
          output: .storyboard/state.db.mp4  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=11,
    ),
    Case(
        "O003",
        "output-over-an-input",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        settings:
          output: refs/dance.mp4  # <-
        shots: [{id: a, prompt: '@dance moves', motion: dance}]
        """,
        col=11,
        message="refs/dance.mp4",
    ),
    Case(
        "O004",
        "output-over-the-storyboard",
        """
        version: 1
        settings:
          output: storyboard.yaml  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=11,
        help="storyboard.mp4",
    ),
    Case(
        "O005",
        "output-is-a-folder",
        """
        version: 1
        settings:
          output: out/film.mp4  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=11,
        message="a folder",
        files=(("out/film.mp4/keep", b""),),
    ),
    Case(
        "O006",
        "empty-cut",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        cut: []  # <-
        """,
        col=6,
    ),
    Case(
        "D001",
        "deliverable-name",
        """
        version: 1
        deliverables:
          Wide Film: {aspect_ratio: "16:9"}  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=3,
        help="wide-film",
    ),
    Case(
        "D002",
        "two-deliverables-one-film",
        """
        version: 1
        deliverables:
          wide: {output: out/film.mp4}
          tall: {aspect_ratio: "9:16", output: out/film.mp4}  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=40,
        message="`wide` and `tall`",
    ),
    Case(
        "D003",
        "no-deliverables",
        """
        version: 1
        deliverables: {}  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=15,
    ),
    Case(
        "D004",
        "store-in-a-deliverable",
        """
        version: 1
        deliverables:
          wide: {store: s3://team/x}  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=10,
        message="the team store is the file's",
    ),
    # C: the finished cut ------------------------------------------------------------------
    Case(
        "C001",
        "transition-on-the-first-entry",
        """
        version: 1
        shots: [{id: a, prompt: x}, {id: b, prompt: y}]
        cut:
          - {shot: a, transition: {type: fade, seconds: 0.5}}  # <-
          - b
        """,
        col=15,
    ),
    Case(
        "C002",
        "transition-longer-than-the-clip-before",
        """
        version: 1
        shots: [{id: a, prompt: x, duration: 3}, {id: b, prompt: y}]
        cut:
          - a
          - {shot: b, transition: {type: fade, seconds: 4}}  # <-
        """,
        col=49,
        message="`a` before it is only 3 s",
        help="at most 3 s",
    ),
    Case(
        "C002",
        "transitions-in-and-out-overlap",
        """
        version: 1
        shots: [{id: a, prompt: x}, {id: b, prompt: y, duration: 3}, {id: c, prompt: z}]
        cut:
          - a
          - {shot: b, transition: {type: fade, seconds: 2}}
          - {shot: c, transition: {type: dissolve, seconds: 2}}  # <-
        """,
        col=53,
        message="its own transition in takes 2 s",
    ),
    Case(
        "C003",
        "unknown-transition",
        """
        version: 1
        shots: [{id: a, prompt: x}, {id: b, prompt: y}]
        cut:
          - a
          - {shot: b, transition: {type: wipelft}}  # <-
        """,
        col=34,
        help="wipeleft",
    ),
    Case(
        "C004",
        "trim-past-the-clip",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        cut:
          - {shot: a, trim: [1, 9]}  # <-
        """,
        col=25,
        message="after its clip's end (5 s)",
    ),
    Case(
        "C004",
        "trim-in-after-out",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        cut:
          - {shot: a, trim: [3, 2]}  # <-
        """,
        col=21,
        message="0 <= in < out",
    ),
    Case(
        "C005",
        "blank-card",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        cut:
          - a
          - {card: {seconds: 2}, id: end}  # <-
        """,
        col=12,
    ),
    Case(
        "C006",
        "card-id-is-a-shot",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        cut:
          - a
          - {card: {text: The End}, id: a}  # <-
        """,
        col=33,
        message="a shot",
    ),
    Case(
        "C007",
        "card-id",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        cut:
          - a
          - {card: {text: The End}, id: End Card}  # <-
        """,
        col=33,
        help="end-card",
    ),
    Case(
        "C008",
        "sound-after-the-end",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        soundtrack:
          - {file: refs/jingle.wav, at: 30}  # <-
        """,
        col=33,
        message="the film is 5 s long",
    ),
    Case(
        "C009",
        "captions-timing-line",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        captions: {file: refs/film.srt}  # <-
        """,
        col=18,
        message="line 5",
        files=(("refs/film.srt", b"1\n00:00:00,500 --> 00:00:02,000\nHello\n\n00:00:03 --> 00:00:04\nBye\n"),),
    ),
    Case(
        "C010",
        "loudness-positive",
        """
        version: 1
        settings:
          loudness: 3  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=13,
    ),
    Case(
        "C011",
        "soundtrack-url",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        soundtrack:
          - {file: "https://example.com/music.mp3"}  # <-
        """,
        col=12,
    ),
    Case(
        "C012",
        "duck-raises",
        """
        version: 1
        shots: [{id: a, prompt: x, sound: true}]
        soundtrack:
          - {file: refs/jingle.wav, volume: -12, duck: 6}  # <-
        """,
        col=48,
    ),
    Case(
        "C013",
        "fcp7-at-32-fps",
        """
        version: 1
        settings:
          timeline: [otio, fcp7]  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=13,
        help="23.976, 24, 25, 29.97 or 30",
    ),
    Case(
        "C014",
        "card-of-no-length",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        cut:
          - a
          - {card: {text: The End, seconds: 0}, id: end}  # <-
        """,
        col=37,
    ),
    Case(
        "C015",
        "card-colour-by-name",
        """
        version: 1
        shots: [{id: a, prompt: x}]
        cut:
          - a
          - {card: {text: The End, background: red}, id: end}  # <-
        """,
        col=40,
        help="#1b1b1b",
    ),
    Case(
        "I004",
        "billed-seconds",
        """
        version: 1
        assets:
          dance: refs/dance.mp4
        shots:
          - id: a
            motion: dance  # <-
            prompt: '@dance x'
        """,
        col=13,
        message="billed as 3 s",
    ),
    # include: and asset_roots (tests/test_include.py and tests/test_asset_roots.py test them further)
    Case(
        "S008",
        "include-missing",
        """
        version: 1
        include: [acts/nowhere.yaml]  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=11,
    ),
    Case(
        "S008",
        "include-outside",
        """
        version: 1
        include: [../elsewhere.yaml]  # <-
        shots: [{id: a, prompt: x}]
        """,
        message="outside the storyboard's folder",
    ),
    Case(
        "S009",
        "included-settings",
        # reported in the included file, named *.storyboard.yaml with its `settings` on the marked line's number
        """
        version: 1
        include: [part.storyboard.yaml]  # <-
        shots: [{id: a, prompt: x}]
        """,
        files=(("part.storyboard.yaml", b"shots: [{id: b, prompt: y}]\nsettings: {duration: 5}\n"),),
        col=1,
    ),
    Case(
        "S010",
        "includes-itself",
        """
        version: 1
        include: [storyboard.yaml]  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=11,
    ),
    Case(
        "S011",
        "var-in-two-files",
        """
        version: 1
        include: [brand.yaml]
        vars:
          brand: Aurora  # <-
        shots: [{id: a, prompt: "{{ brand }}"}]
        """,
        files=(("brand.yaml", b"vars: {brand: Borealis}\n"),),
        col=3,
        message="brand.yaml:1:",
    ),
    Case(
        "M008",
        "asset-root-missing",
        """
        version: 1
        settings:
          asset_roots: [../no-such-brand]  # <-
        shots: [{id: a, prompt: x}]
        """,
        col=17,
    ),
    Case(
        "T006",
        "template-missing",
        """
        version: 1
        shots:
          - id: a
            prompt: "{% include 'prompts/nope.j2' %}"  # <-
        """,
        shot="a",
    ),
]

EXPLICIT_LINES = {"Y002-empty-file": 1, "Y002-blank-lines": 1, "Y005-utf-16": 1}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_rule(project: Project, case: Case) -> None:
    content = normalize(case.text)
    line = EXPLICIT_LINES.get(case.id) or marked_line(content)
    diags = run(project, content, case.provider, case.tier, case.files, case.staging)

    found = [d for d in diags if d.code == case.code]
    assert found, f"expected {case.code}, got {shown(diags)}"
    here = [d for d in found if d.location.line == line]
    assert here, f"{case.code} expected on line {line}, got {shown(found)}"
    d = here[0]
    assert d.severity is RULES[case.code].severity
    if case.col is not None:
        assert d.location.column == case.col, shown(here)
    assert d.location.file.endswith("storyboard.yaml")
    assert d.message
    if case.message is not None:
        assert case.message in d.message, d.message
    if case.help is not None:
        assert d.help and case.help in d.help, d.help
    if case.shot is not None:
        assert d.shot == case.shot
    if case.code[0] == "P" and case.provider:
        assert case.provider in d.message, d.message  # a provider rule names the provider

    expected = ({case.code} if RULES[case.code].severity is Severity.error else set()) | case.also
    assert {e.code for e in errors(diags)} == expected, shown(errors(diags))


def test_every_rule_has_a_case() -> None:
    assert {c.code for c in CASES} == set(RULES)


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


# -- storyboards that are valid -------------------------------------------------------------

PROVIDERS = ("local", "wavespeed", "eachlabs", "runware", "qingbo", "apimart")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_text_only_shot_is_valid_everywhere(project: Project, provider: str) -> None:
    text = "version: 1\nsettings: {resolution: 1080p}\nshots:\n  - {id: a, prompt: A quiet street at dawn.}\n"
    diags = run(project, text, provider)
    assert [d for d in diags if d.severity is not Severity.info] == []
    assert {d.code for d in diags} <= {"I003"}  # runware's width and height note


VALID: list[tuple[str, str, str | None, str]] = [
    # (id, provider, tier, storyboard): limits reached but not crossed, and features a page offers
    (
        "three-flat-images",
        "wavespeed",
        None,
        """
        version: 1
        characters:
          A: {images: [refs/a.png, refs/b.png]}
          B: {images: [refs/c.png]}
        shots: [{id: a, prompt: '@A meets @B'}]
        """,
    ),
    (
        "motion-and-ratios",
        "wavespeed",
        "fast",
        """
        version: 1
        assets: {dance: refs/dance.mp4}
        shots:
          - {id: a, motion: dance, prompt: '@dance x', aspect_ratio: '9:16'}
          - {id: b, prompt: y, aspect_ratio: '1:1'}
        """,
    ),
    (
        "grid-4-3-optimizer-off-fast",
        "eachlabs",
        "fast",
        """
        version: 1
        settings: {aspect_ratio: '4:3', prompt_optimizer: false}
        characters:
          Board: {grid: refs/grid.png}
        shots: [{id: a, prompt: '@Board comes alive'}]
        """,
    ),
    (
        "extend-and-voice",
        "eachlabs",
        None,
        """
        version: 1
        characters:
          A: {images: [refs/a.png], voice: refs/voice.wav}
        shots:
          - {id: a, prompt: '@A speaks'}
          - {id: b, extends: a, prompt: '@a the camera pulls back'}
        """,
    ),
    (
        "full-hd-motion-video",
        "runware",
        None,
        """
        version: 1
        assets: {hd: refs/hd.mp4}
        shots: [{id: a, motion: hd, prompt: '@hd x'}]
        """,
    ),
    (
        "three-groups-and-a-voice",
        "runware",
        "std",
        """
        version: 1
        characters:
          A: {images: [refs/a.png, refs/b.png, refs/c.png, refs/d.png, refs/e.png], voice: refs/voice.wav}
          B: {images: [refs/b.png]}
          C: {images: [refs/c.png]}
        shots: [{id: a, prompt: '@A @B @C'}]
        """,
    ),
    (
        "eight-frame-images",
        "runware",
        None,
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n"
        "    first_frame: refs/a.png\n    last_frame: refs/b.png\n" + keyframes(6, mark=False),
    ),
    (
        "eight-keyframes",
        "runware",
        None,
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n" + keyframes(8, mark=False),
    ),
    (
        "extends-a-1080p-shot",
        "runware",
        None,
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - {id: b, extends: a, prompt: '@a y'}
        """,
    ),
    ("5120-characters", "runware", None, "version: 1\nshots:\n  - {id: a, prompt: " + "w" * 5120 + "}\n"),
    (
        "every-size-in-the-table",
        "runware",
        None,
        """
        version: 1
        shots:
          - {id: a, prompt: x, resolution: 480p, aspect_ratio: '16:9'}
          - {id: b, prompt: x, resolution: 480p, aspect_ratio: '9:16'}
          - {id: c, prompt: x, resolution: 480p, aspect_ratio: '4:3'}
          - {id: d, prompt: x, resolution: 480p, aspect_ratio: '3:4'}
          - {id: e, prompt: x, resolution: 480p, aspect_ratio: '1:1'}
          - {id: f, prompt: x, resolution: 720p, aspect_ratio: '16:9'}
          - {id: g, prompt: x, resolution: 720p, aspect_ratio: '9:16'}
          - {id: h, prompt: x, resolution: 720p, aspect_ratio: '1:1'}
          - {id: i, prompt: x, resolution: 1080p, aspect_ratio: '16:9'}
        """,
    ),
    (
        "one-grid-and-sound",
        "runware",
        None,
        """
        version: 1
        settings: {sound: true}
        characters: {G: {grid: refs/grid.png}}
        shots: [{id: a, prompt: '@G comes alive'}]
        """,
    ),
    (
        "motion-without-sound",
        "runware",
        None,
        """
        version: 1
        settings: {sound: false}
        assets: {hd: refs/hd.mp4}
        shots:
          - {id: a, motion: hd, prompt: '@hd x'}
          - {id: b, extends: a, sound: true, prompt: '@a y'}
        """,
    ),
    (
        "three-groups-of-five-and-a-voice",
        "qingbo",
        "fast",
        """
        version: 1
        characters:
          A: {images: [refs/a.png, refs/b.png, refs/c.png, refs/d.png, refs/e.png], voice: refs/voice.wav}
          B: {images: [refs/b.png]}
          C: {images: [refs/c.png]}
        shots: [{id: a, prompt: '@A @B @C'}]
        """,
    ),
    (
        "six-keyframes",
        "qingbo",
        None,
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n"
        "    first_frame: refs/a.png\n    last_frame: refs/b.png\n" + keyframes(6, mark=False),
    ),
    ("4000-characters", "qingbo", None, "version: 1\nshots:\n  - {id: a, prompt: " + "w" * 4000 + "}\n"),
    (
        "motion-with-a-grid-at-720p",
        "qingbo",
        None,
        """
        version: 1
        settings: {resolution: 720p}
        characters: {G: {grid: refs/grid.png}}
        assets: {dance: refs/dance.mp4}
        shots: [{id: a, motion: dance, prompt: '@G @dance'}]
        """,
    ),
    (
        "motion-shot-at-480p-and-continuity",
        "qingbo",
        None,
        """
        version: 1
        settings: {resolution: 480p}
        shots:
          - {id: a, prompt: x}
          - {id: b, motion: a, prompt: '@a y'}
          - {id: c, continues: b, prompt: steam rises}
        """,
    ),
    ("six-groups", "apimart", None, "version: 1\n" + SIX_CHARACTERS + f"shots:\n  - {{id: a, prompt: '{SIX_TAGS}'}}\n"),
    (
        "six-keyframes",
        "apimart",
        None,
        "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n" + keyframes(6, mark=False),
    ),
    (
        "motion-with-an-image-group",
        "apimart",
        None,
        """
        version: 1
        characters: {A: {images: [refs/a.png]}}
        assets: {dance: refs/dance.mp4}
        shots: [{id: a, motion: dance, prompt: '@A imitates @dance'}]
        """,
    ),
    (
        "parent-outside-the-cut",
        "local",
        None,
        """
        version: 1
        shots:
          - {id: a, prompt: x}
          - {id: b, continues: a, prompt: y}
        cut: [b]
        """,
    ),
    (
        "sixteen-second-voice",
        "local",
        None,
        """
        version: 1
        characters:
          A: {images: [refs/a.png], voice: refs/long_voice.wav}
        shots: [{id: a, prompt: '@A'}]
        """,
    ),
    (
        "everything-at-once",
        "local",
        None,
        """
        version: 1
        settings: {tier: fast, sound: true, aspect_ratio: '3:4', prompt_optimizer: false}
        characters:
          Mara: {images: [refs/a.png], voice: refs/voice.wav}
        assets: {dance: refs/dance.mp4, jingle: refs/jingle.wav}
        shots:
          - {id: pour, prompt: '@Mara pours'}
          - {id: wide, extends: pour, prompt: '@pour wider'}
          - {id: cup, prompt: cup, first_frame: refs/b.png, last_frame: refs/c.png, keyframes: [{at: 2.5, image: refs/d.png}]}
          - {id: steam, continues: cup, prompt: steam}
          - {id: move, motion: dance, prompt: '@Mara imitates @dance'}
          - {id: sing, audio: jingle, prompt: '@Mara sings to @jingle'}
        """,
    ),
]


@pytest.mark.parametrize(("provider", "tier", "text"), [pytest.param(*v[1:], id=f"{v[1]}-{v[0]}") for v in VALID])
def test_valid_for_the_provider(project: Project, provider: str, tier: str | None, text: str) -> None:
    diags = run(project, normalize(text), provider, tier)
    assert errors(diags) == [], shown(errors(diags))
    assert [d for d in diags if d.severity is Severity.warning] == [], shown(diags)


# -- what the rules leave behind --------------------------------------------------------------


def test_apimart_appends_the_missing_tag_to_the_prompt_it_sends(project: Project) -> None:
    text = "version: 1\nassets: {dance: refs/dance.mp4}\nshots:\n  - {id: a, motion: dance, prompt: A dancer moves.}\n"
    compiled = project.compile(text, provider="apimart")
    assert compiled.shots["a"].request is not None
    assert compiled.shots["a"].request.prompt == "A dancer moves. @dance"
    assert sorted(d.code for d in compiled.diagnostics) == ["I002", "I004"]


def test_one_diagnostic_per_mistake_for_runware_frames(project: Project) -> None:
    """Nine keyframes break both of runware's counts; the user hears about it once."""
    text = "version: 1\nshots:\n  - id: a\n    prompt: x\n    duration: 10\n" + keyframes(9, mark=False)
    assert [d.code for d in errors(run(project, text, "runware"))] == ["V014"]


def test_runware_extends_with_characters_is_v003_alone(project: Project) -> None:
    """Runware's "no referenceImages with referenceVideos" covers extends too, which V003 already says."""
    text = "version: 1\ncharacters: {A: {images: [refs/a.png]}}\nshots:\n  - {id: a, prompt: x}\n  - {id: b, extends: a, prompt: '@A @a y'}\n"
    assert [d.code for d in errors(run(project, text, "runware"))] == ["V003"]


def test_runware_two_grids_mixed_with_an_image_group_is_v009_alone(project: Project) -> None:
    text = (
        "version: 1\ncharacters:\n  A: {images: [refs/a.png]}\n  G: {grid: refs/grid.png}\n"
        "shots:\n  - {id: a, prompt: '@A @G'}\n"
    )
    assert [d.code for d in errors(run(project, text, "runware"))] == ["V009"]


@pytest.mark.parametrize(("resolution", "ratio", "size"), [
    ("480p", "16:9", (848, 480)), ("480p", "9:16", (480, 848)), ("480p", "4:3", (736, 560)), ("480p", "3:4", (560, 736)),
    ("480p", "1:1", (640, 640)), ("720p", "16:9", (1280, 720)), ("720p", "9:16", (720, 1280)), ("720p", "1:1", (960, 960)),
])  # fmt: skip
def test_runware_width_and_height_come_from_its_table(
    project: Project, resolution: str, ratio: str, size: tuple[int, int]
) -> None:
    text = f"version: 1\nsettings: {{resolution: {resolution}, aspect_ratio: '{ratio}'}}\nshots:\n  - {{id: a, prompt: x}}\n"
    compiled = project.compile(text, provider="runware")
    request = compiled.shots["a"].request
    assert request is not None and (request.width, request.height) == size
    (note,) = [d for d in compiled.diagnostics if d.code == "I003"]
    assert f"{size[0]}x{size[1]}" in note.message


def test_runware_1080p_16_9_is_the_resolution_alone_and_no_size_note(project: Project) -> None:
    compiled = project.compile("version: 1\nshots:\n  - {id: a, prompt: x}\n", provider="runware")
    assert compiled.ok and [d.code for d in compiled.diagnostics] == []


def test_independent_mistakes_are_all_reported(project: Project) -> None:
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
          - id: d
            prompt: '@Mara'
            first_frame: refs/a.png
        """
    )
    found = sorted((d.code, d.location.line) for d in errors(run(project, text, "eachlabs")))
    assert found == [("P001", 15), ("R001", 9), ("S001", 7), ("V001", 12), ("V002", 13)]


def test_a_mistake_in_settings_is_one_diagnostic_naming_the_shots(project: Project) -> None:
    shots = "".join(f"  - {{id: s{i}, prompt: x}}\n" for i in range(8))
    diags = run(project, f"version: 1\nsettings: {{provider: wavespeed, aspect_ratio: '4:3'}}\nshots:\n{shots}")
    (found,) = [d for d in diags if d.code == "P002"]
    assert (found.location.line, found.location.column) == (2, 47)
    assert found.message.startswith(
        "shots `s0`, `s1`, `s2`, `s3`, `s4` and 3 more: wavespeed does not accept aspect ratio 4:3"
    )
    assert found.shot == "s0"
