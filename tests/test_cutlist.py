"""The finished cut's language, compiled: entries placed in time, sound and captions resolved, the rate.

The film's length is the sum of its entries less the transitions' overlaps; every value the
cut and the timelines read comes out of the compiler resolved (defaults applied, media as
absolute paths), and a mistake in a deliverable's own cut is found inside the deliverable.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyboard.compile import compile_project
from storyboard.compile.captions import CaptionsError, read_captions
from storyboard.compile.result import CardSpec, Entry, Transition
from storyboard.load import load
from tests.conftest import Project, codes
from tests.test_robustness import check_json

FILM = """
version: 1
settings: {fps: 23.976, loudness: -16, timeline: [fcp7, otio, fcp7]}
shots:
  - {id: a, prompt: x, duration: 4}
  - {id: b, prompt: y}
  - {id: c, prompt: z, duration: 6}
cut:
  - a
  - {shot: b, transition: {type: crossfade, seconds: 1}, trim: [1, 4]}
  - {shot: c, transition: {type: wipeleft}}
  - {card: {text: Aurora Coffee, image: refs/a.png, background: "#AbC"}, id: endcard, transition: {type: dissolve, seconds: 2}}
soundtrack:
  - {file: refs/jingle.wav, volume: -12, duck: -9}
  - {file: refs/voice.wav, at: 4.5, duck: -6}
captions: {file: refs/film.srt, burn: true}
"""
SRT = "1\n00:00:00,500 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,250\nTwo\nlines\n"


def test_the_film_is_its_entries_less_the_overlaps(project: Project) -> None:
    (project.root / "refs" / "film.srt").write_text(SRT)
    film = project.compile(FILM)
    assert film.ok, [d.message for d in film.diagnostics]
    assert film.cut == ["a", "b", "c"]  # shots only, as everything downstream reads it
    a, b, c, card = film.entries
    assert a == Entry("shot", "a", 4.0, 0.0)
    assert b == Entry("shot", "b", 3.0, 3.0, Transition("fade", 1.0), (1.0, 4.0))  # crossfade is xfade's fade
    assert c == Entry("shot", "c", 6.0, 5.5, Transition("wipeleft", 0.5))  # the default overlap, 0.5 s
    assert card.kind == "card" and card.id == "endcard" and card.start == 9.5 and card.seconds == 3.0
    assert card.card == CardSpec("Aurora Coffee", project.root.resolve() / "refs" / "a.png", 3.0, "#aabbcc")
    assert film.film_seconds == pytest.approx(4 + 3 + 6 + 3 - 1 - 0.5 - 2)


def test_sound_captions_rate_and_timelines_are_resolved(project: Project) -> None:
    (project.root / "refs" / "film.srt").write_text(SRT)
    film = project.compile(FILM)
    refs = project.root.resolve() / "refs"
    bed, voice = film.soundtrack
    assert (bed.file, bed.volume, bed.duck, bed.at) == (refs / "jingle.wav", -12.0, -9.0, None)
    assert bed.seconds == pytest.approx(4.0, abs=0.05)  # probed
    assert (voice.file, voice.volume, voice.duck, voice.at) == (refs / "voice.wav", 0.0, -6.0, 4.5)  # duck allowed
    assert film.captions is not None and film.captions.file == refs / "film.srt" and film.captions.burn
    assert film.captions.format == "srt"
    assert [(q.start, q.end, q.text) for q in film.captions.cues] == [(0.5, 2.0, "Hello"), (3.0, 4.25, "Two\nlines")]
    assert film.fps == 23.976 and film.rate == Fraction(24000, 1001)
    assert film.loudness == -16.0
    assert film.timelines == ("otio", "fcp7")  # otio always, first; duplicates once


def test_without_the_new_keys_nothing_changes(project: Project) -> None:
    film = project.compile("""
        version: 1
        shots: [{id: a, prompt: x, duration: 3}, {id: b, prompt: y}]
        """)
    assert film.cut == ["a", "b"]
    assert film.entries == [Entry("shot", "a", 3.0, 0.0), Entry("shot", "b", 5.0, 3.0)]
    assert film.film_seconds == 8.0
    assert (film.soundtrack, film.captions, film.loudness, film.timelines) == ([], None, None, ("otio",))
    assert film.fps == 32 and film.rate == 32
    assert [d.code for d in film.diagnostics] == []


def test_a_shot_shown_only_as_a_cut_entry_is_in_the_cut(project: Project) -> None:
    film = project.compile("""
        version: 1
        shots: [{id: a, prompt: x}, {id: b, prompt: y}, {id: spare, prompt: z}]
        cut: [a, {shot: b, trim: [0, 2]}]
        """)
    assert [(d.code, d.shot) for d in film.diagnostics] == [("W002", "spare")]
    assert film.cut == ["a", "b"]


def test_a_mistake_in_a_deliverables_cut_is_found_in_the_deliverable(project: Project) -> None:
    path = project.write("""
        version: 1
        settings: {duration: 3}
        deliverables:
          wide: {}
          square:
            aspect_ratio: "1:1"
            fps: 25
            cut:
              - a
              - {shot: b, transition: {type: fade, seconds: 4}}
        shots: [{id: a, prompt: x}, {id: b, prompt: y}, {id: c, prompt: z}]
        """)
    loaded = load(path)
    project_ = compile_project(loaded)
    found = [d for d in project_.diagnostics if d.code == "C002"]
    assert len(found) == 1, [(d.code, d.message) for d in project_.diagnostics]
    d = found[0]
    assert (d.location.line, d.location.column) == (10, 53)  # the `4` inside the deliverable's cut
    assert d.message.startswith("deliverable `square`: ")
    wide, square = project_.films
    assert (wide.fps, square.fps) == (32, 25)
    assert wide.film_seconds == 9.0 and [e.id for e in wide.entries] == ["a", "b", "c"]
    assert square.cut == ["a", "b"] and set(square.shots) == {"a", "b"}  # b, shown only as an entry, is built


def test_deliverables_inherit_the_film_settings(project: Project) -> None:
    path = project.write("""
        version: 1
        settings: {loudness: -14, timeline: [kdenlive]}
        deliverables:
          web: {}
          broadcast: {loudness: -23, fps: 25, timeline: [fcp7]}
        shots: [{id: a, prompt: x}]
        """)
    web, broadcast = compile_project(load(path)).films
    assert (web.loudness, web.fps, web.timelines) == (-14.0, 32, ("otio", "kdenlive"))
    assert (broadcast.loudness, broadcast.fps, broadcast.timelines) == (-23.0, 25, ("otio", "fcp7"))


def test_a_broken_entry_keeps_its_place_and_the_others_are_still_checked(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        shots: [{id: a, prompt: x}, {id: b, prompt: y}]
        cut:
          - 5
          - a
          - {shot: b, transition: {type: fadee}}
        """)
    assert [(d.code, d.location.line) for d in diags] == [("S002", 4), ("C003", 6)]
    assert "`fade`" in (diags[1].help or "")


def test_an_unknown_shot_in_an_entry_is_r002_at_its_id(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        shots: [{id: pour, prompt: x}]
        cut: [pour, {shot: puor, trim: [0, 1]}]
        """)
    assert [(d.code, d.location.line, d.location.column) for d in diags] == [("R002", 3, 20)]
    assert "`pour`" in (diags[0].help or "")


def test_an_unknown_key_in_an_entry_suggests_the_key(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        shots: [{id: a, prompt: x}, {id: b, prompt: y}]
        cut: [a, {shot: b, transiton: {type: fade}}]
        """)
    assert [(d.code, d.location.line) for d in diags] == [("S001", 3)]  # and b is still in the cut: no W002
    assert diags[0].help == "did you mean `transition`?"


def test_fps_is_one_of_the_editorial_rates(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        settings: {fps: 23.98}
        shots: [{id: a, prompt: x}]
        """)
    assert [(d.code, d.location.line) for d in diags] == [("S004", 2)]
    assert "23.976" in diags[0].message and diags[0].help == "did you mean `23.976`?"


def test_a_timeline_format_is_one_of_the_five(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        settings: {timeline: [premiere]}
        shots: [{id: a, prompt: x}]
        """)
    assert codes(diags) == ["S004"]


def test_a_card_id_named_twice_is_one_card_unless_the_cards_differ(project: Project) -> None:
    same = project.compile("""
        version: 1
        shots: [{id: a, prompt: x}]
        cut: [{card: {text: Hi}, id: title}, a, {card: {text: Hi}, id: title}]
        """)
    assert same.ok and [e.id for e in same.entries] == ["title", "a", "title"]
    diags = project.diagnostics("""
        version: 1
        characters: {Mara: {images: [refs/a.png]}}
        shots: [{id: a, prompt: "@Mara x"}]
        cut: [{card: {text: Hi}, id: title}, a, {card: {text: Bye}, id: title}, {card: {text: X}, id: Mara}]
        """)
    assert [(d.code, "different card" in d.message or "character" in d.message) for d in diags] == [
        ("C006", True),  # `title` again, another card
        ("C006", True),  # `Mara`, a character
        ("C007", False),  # and no card id
    ]


def test_a_card_image_is_checked_like_every_other_input(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        shots: [{id: a, prompt: x}]
        cut: [a, {card: {image: refs/logo.png}, id: end}, {card: {image: refs/jingle.wav}, id: end2}]
        """)
    assert codes(diags) == ["M001", "M004"]


def test_a_soundtrack_file_that_is_no_audio_is_found_at_check(project: Project) -> None:
    (project.root / "refs" / "noise.wav").write_bytes(b"RIFF not really")
    diags = project.diagnostics("""
        version: 1
        shots: [{id: a, prompt: x}]
        soundtrack: [{file: refs/noise.wav}, {file: refs/a.png}]
        """)
    assert codes(diags) == ["M005", "M004"]


def test_captions_must_be_srt_or_vtt_in_the_project(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        shots: [{id: a, prompt: x}]
        captions: {file: refs/voice.wav}
        """)
    assert codes(diags) == ["M004"]
    assert "subtitle" in diags[0].message


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("ok.vtt", "WEBVTT\n\nNOTE a comment\n\nintro\n00:01.000 --> 00:02.500 align:start\nHi\n", None),
        ("head.vtt", "WEBVT\n\n00:01.000 --> 00:02.500\nHi\n", 1),
        ("comma.vtt", "WEBVTT\n\n00:01,000 --> 00:02,500\nHi\n", 3),
        ("backwards.srt", "1\n00:00:05,000 --> 00:00:02,000\nHi\n", 2),
        ("number-only.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n", 5),
        ("empty.srt", "\n\n", 1),
        ("latin1.srt", b"1\n00:00:01,000 --> 00:00:02,000\nCaf\xe9\n", 3),
    ],
)
def test_captions_are_parsed_and_a_bad_line_named(tmp_path, name: str, text: str | bytes, line: int | None) -> None:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    if line is None:
        cues = read_captions(path)
        assert [(q.start, q.end, q.text) for q in cues] == [(1.0, 2.5, "Hi")]
        return
    with pytest.raises(CaptionsError) as caught:
        read_captions(path)
    assert caught.value.line == line


def test_a_malformed_entry_says_what_an_entry_is(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        shots: [{id: a, prompt: x}]
        cut:
          - a
          - {card: {text: hi}}
          - {trim: [0, 1]}
          - {shot: a, card: {text: x}, id: q}
          - {shot: a, transition: {seconds: 1}}
        """)
    assert [(d.code, d.location.line) for d in diags] == [("S003", 5), ("S003", 6), ("S001", 7), ("S003", 8)]
    helps = [d.help or "" for d in diags]
    assert "a card needs an `id:`" in helps[0]
    assert "a cut entry is a shot id" in helps[1]
    assert "not both" in helps[2]
    assert "type: fade" in helps[3]


numbers = st.one_of(st.integers(-5, 20), st.floats(-100, 100), st.sampled_from([0, 0.5, float("nan"), float("inf")]))
anything = numbers | st.none() | st.booleans() | st.text("ab #1:", max_size=6) | st.lists(numbers, max_size=3)
transitions = st.fixed_dictionaries(
    {},
    optional={"type": st.sampled_from(["fade", "crossfade", "wipelft", ""]) | anything, "seconds": numbers | anything},
)
entries = st.one_of(
    st.sampled_from(["a", "b", "nowhere", "endcard"]),
    st.fixed_dictionaries(
        {"shot": st.sampled_from(["a", "b", "nowhere"]) | anything},
        optional={"transition": transitions | anything, "trim": st.lists(numbers, max_size=3) | anything},
    ),
    st.fixed_dictionaries(
        {
            "card": st.fixed_dictionaries(
                {},
                optional={
                    "text": st.sampled_from(["Hi", "", " "]) | anything,
                    "image": st.sampled_from(["refs/a.png", "refs/nope.png", "refs/jingle.wav", "https://x.io/a.png"]),
                    "seconds": numbers,
                    "background": st.sampled_from(["#fff", "#1b1b1b", "red", "#12345"]),
                },
            )
            | anything,
            "id": st.sampled_from(["endcard", "a", "Bad Id", "end"]) | anything,
        },
        optional={"transition": transitions},
    ),
    anything,
)
films = st.fixed_dictionaries(
    {"version": st.just(1), "shots": st.just([{"id": "a", "prompt": "x", "duration": 3}, {"id": "b", "prompt": "y"}])},
    optional={
        "settings": st.fixed_dictionaries(
            {},
            optional={
                "fps": st.sampled_from([32, 24, 23.976, 60]) | anything,
                "loudness": numbers | anything,
                "timeline": st.lists(st.sampled_from(["otio", "fcp7", "fcpx", "premiere"]), max_size=3) | anything,
            },
        ),
        "cut": st.lists(entries, max_size=5) | anything,
        "soundtrack": st.lists(
            st.fixed_dictionaries(
                {"file": st.sampled_from(["refs/jingle.wav", "refs/a.png", "https://x.io/m.mp3"]) | anything},
                optional={"volume": numbers | anything, "duck": numbers | anything, "at": numbers | anything},
            )
            | anything,
            max_size=3,
        )
        | anything,
        "captions": st.fixed_dictionaries(
            {"file": st.sampled_from(["refs/film.srt", "refs/none.vtt", "refs/a.png"]) | anything},
            optional={"burn": st.booleans() | anything},
        )
        | anything,
        "deliverables": st.just({"wide": {}, "sq": {"aspect_ratio": "1:1", "cut": ["b", "a"]}}),
    },
)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(board=films, flow=st.booleans())
def test_generated_cuts_never_crash_and_every_finding_is_located(project: Project, board: dict, flow: bool) -> None:  # type: ignore[type-arg]
    (project.root / "refs" / "film.srt").write_text(SRT)
    check_json(project, yaml.safe_dump(board, default_flow_style=flow, sort_keys=False).encode())
