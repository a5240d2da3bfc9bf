"""The finished film, built end to end with the local provider and probed.

Three 3 s shots at 480p (the first whole, a hard cut: its conformed clip itself), the third
trimmed and crossfaded in, a 2 s red card wiped in at the
end, a 100 Hz bed ducked under the second shot (which has a tone of its own), a loudness
target, captions, and the editorial rate 25 fps (the local clips are 32 fps). The film is read
back: its length and frame count, pixels inside the card and the transition, the bed's level
per span (astats), its integrated loudness (ebur128), its subtitle stream; then rebuilt, as it
is and with one transition changed, with the store's pieces watched by their mtimes.
"""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest

from storyboard.compile.result import CardSpec, Entry, Transition
from storyboard.cut.conform import FilmFormat
from storyboard.cut.render import SEGMENTS_DIR, Placed, Source, layout, pieces
from storyboard.media.probe import probe_clip
from storyboard.ops import build
from tests.conftest import Project, compiled_of, ffmpeg
from tests.test_sound import integrated, rms

FPS = 25
RED = (255, 0, 0)
BOARD = """
version: 1
settings: {resolution: 480p, duration: 3, fps: 25, loudness: -16}
shots:
  - {id: o, prompt: the opening}
  - {id: a, prompt: the first shot}
  - {id: b, prompt: the second shot, sound: true}
cut:
  - o
  - a
  - {shot: b, transition: {type: crossfade, seconds: 0.5}, trim: [0.5, 3.0]}
  - {card: {text: The end, seconds: 2, background: "#ff0000"}, id: endcard, transition: {type: wipeleft, seconds: 0.4}}
soundtrack:
  - {file: refs/bed.wav, volume: -12, duck: -9}
captions: {file: refs/film.srt}
"""
SRT = "1\n00:00:00,500 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nAgain\n"
BED = "lowpass=f=150,lowpass=f=150,lowpass=f=150"  # the 100 Hz bed alone: the shot's 440 Hz tone filtered out


def _make(project: Project, path: Path) -> object:
    ffmpeg("-f", "lavfi", "-i", "sine=f=100:d=10", "-ar", "48000", str(project.root / "refs" / "bed.wav"))
    (project.root / "refs" / "film.srt").write_text(SRT, encoding="utf-8")
    result = build(compiled_of(path))
    assert result.ok, {s: r.error for s, r in result.run.shots.items()}
    return result


@pytest.fixture
def built(built_once):
    return built_once.get("render", BOARD, _make)


def film_of(project: Project) -> Path:
    return project.root / "out" / "storyboard.mp4"


def frames_of(path: Path) -> list[tuple[int, int, int]]:
    """Every frame's pixel at (20, 20), decoded: the background the local preview and the card paint."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            plane = frame.reformat(format="rgb24").planes[0]
            row = bytes(plane)[20 * plane.line_size + 60 : 20 * plane.line_size + 63]
            out.append((row[0], row[1], row[2]))
    return out


def near(a: tuple[int, int, int], b: tuple[int, int, int], tol: int = 12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def segments(project: Project) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (project.root / ".storyboard" / SEGMENTS_DIR).iterdir()}


# -- the layout in frames (no ffmpeg) -------------------------------------------------------


def test_the_layout_is_the_entries_less_the_overlaps_in_frames() -> None:
    fmt = FilmFormat.of((854, 480), FPS)
    card = CardSpec("x", None, 2.0, "#ff0000")
    entries = [
        Entry("shot", "a", 3.0, 0.0),
        Entry("shot", "b", 2.5, 2.5, Transition("fade", 0.5), (0.5, 3.0)),
        Entry("card", "end", 2.0, 4.6, Transition("wipeleft", 0.4), card=card),
    ]
    sources = {
        "a": Source("a", 75, clip=object()),  # type: ignore[arg-type]
        "b": Source("b", 75, clip=object()),  # type: ignore[arg-type]
        "end": Source("end", 50, card=card),
    }
    a, b, end = layout(entries, sources, fmt)
    # b begins at 2.5 s, frame 62.5: rounded where it falls in the film (63), so the overlap is 12 frames
    # and b's 2.5 s are 62 (its in point, 0.5 s, is frame 13): the film is 165 frames, 6.6 s exactly
    assert (a.start, a.end, a.head, a.tail, a.at) == (0, 75, 0, 12, 0)
    assert (b.start, b.end, b.head, b.tail, b.at) == (13, 75, 12, 10, 63)
    assert (end.start, end.end, end.head, end.tail, end.at) == (0, 50, 10, 0, 115)
    order = pieces([a, b, end])
    kinds = [p.what if not isinstance(p, Placed) else "whole" for p in order]
    # a's body is a range (its tail is in the crossfade), b's body lies between its two transitions
    assert kinds == ["a 0-63", "fade a>b", "b 25-65", "wipeleft b>end", "card end"]
    assert sum((p.a_range[1] - p.a_range[0]) for p in order if not isinstance(p, Placed)) == 165  # 75+62+50-12-10


def test_a_cut_of_whole_clips_is_the_conformed_clips_themselves() -> None:
    fmt = FilmFormat.of((854, 480), FPS)
    sources = {s: Source(s, 75, clip=object()) for s in "ab"}  # type: ignore[arg-type]
    placed = layout([Entry("shot", "a", 3.0, 0.0), Entry("shot", "b", 3.0, 3.0)], sources, fmt)
    assert all(isinstance(p, Placed) and p.whole for p in pieces(placed))


# -- the film, built ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_film_is_its_entries_less_the_overlaps_at_the_exact_rate(built) -> None:
    project, path, _ = built
    compiled = compiled_of(path)
    assert compiled.film_seconds == pytest.approx(3 + 3 + 2.5 + 2 - 0.5 - 0.4)
    info = probe_clip(film_of(project))
    assert info.fps == Fraction(FPS) and (info.width, info.height) == (854, 480)
    frames = frames_of(film_of(project))
    assert abs(len(frames) / FPS - compiled.film_seconds) <= 1 / FPS
    assert abs(info.seconds - compiled.film_seconds) <= 1 / FPS
    assert info.audio_seconds is not None and abs(info.audio_seconds - info.seconds) <= 1 / FPS


@pytest.mark.slow
def test_the_card_is_at_its_place_and_time_and_the_crossfade_blends(built) -> None:
    project, path, _ = built
    frames = frames_of(film_of(project))
    card = compiled_of(path).entries[-1]
    red = [i for i, px in enumerate(frames) if near(px, RED)]
    # red from inside its wipe (7.6-8.0 s) to the film's last frame, never before: 2 s less the overlap at least
    assert red == list(range(red[0], len(frames)))
    assert round(card.start * FPS) <= red[0] <= round((card.start + 0.4) * FPS) + 1
    assert len(red) >= (card.seconds - 0.4) * FPS
    # the crossfade (frames 138..150): between a's colour and b's, and unlike both
    before, mid, after = frames[135], frames[144], frames[153]
    assert not near(before, after, 4)
    assert not near(mid, before, 2) and not near(mid, after, 2)
    assert all(min(x, z) - 2 <= y <= max(x, z) + 2 for x, y, z in zip(before, mid, after, strict=True))


@pytest.mark.slow
def test_the_bed_is_ducked_under_the_shot_with_sound_and_the_loudness_is_the_target(built) -> None:
    project, _, _ = built
    film = film_of(project)
    under_a, under_b = rms(film, 1.0, 4.8, BED), rms(film, 6.0, 7.4, BED)  # b is on screen 5.52-8.0 s
    assert under_a - under_b == pytest.approx(9.0, abs=1.5)
    assert integrated(film) == pytest.approx(-16.0, abs=1.0)


@pytest.mark.slow
def test_the_captions_are_a_stream_and_a_sidecar(built) -> None:
    project, _, _ = built
    with av.open(str(film_of(project))) as container:
        assert [s.codec_context.name for s in container.streams.subtitles] == ["mov_text"]
    assert (project.root / "out" / "storyboard.srt").read_text(encoding="utf-8") == SRT


@pytest.mark.slow
def test_a_removed_sidecar_is_written_again_by_a_build_that_cuts_nothing(built) -> None:
    project, path, _ = built
    (project.root / "out" / "storyboard.srt").unlink()
    again = build(compiled_of(path))
    assert again.films[0].film.method == "up to date"
    assert (project.root / "out" / "storyboard.srt").read_text(encoding="utf-8") == SRT


@pytest.mark.slow
def test_a_rebuild_re_encodes_nothing_and_one_transition_changed_re_encodes_it_alone(built) -> None:
    project, path, _ = built
    pieces_before = segments(project)
    # a's body, the crossfade, b's body, the wipe, the card (o: its conformed clip), and the card whole (its
    # frames under the wipe too: the timeline's media of it, an editor's transition plays over them)
    assert len(pieces_before) == 6
    conformed = {p.name: p.stat().st_mtime_ns for p in (project.root / ".storyboard" / "conformed").iterdir()}
    assert len(conformed) == 1
    again = build(compiled_of(path))
    assert again.films[0].film.method == "up to date"
    assert segments(project) == pieces_before
    path.write_text(path.read_text().replace("wipeleft", "wiperight"), encoding="utf-8")
    film_before = film_of(project).stat().st_mtime_ns
    changed = build(compiled_of(path))
    assert changed.ok and changed.films[0].film.method != "up to date"
    after = segments(project)
    new = set(after) - set(pieces_before)
    assert len(new) == 1  # the wipe alone
    assert all(after[name] == mtime for name, mtime in pieces_before.items())  # nothing else rewritten
    assert {p.name: p.stat().st_mtime_ns for p in (project.root / ".storyboard" / "conformed").iterdir()} == conformed
    assert film_of(project).stat().st_mtime_ns != film_before
    frames = frames_of(film_of(project))
    assert abs(len(frames) / FPS - compiled_of(path).film_seconds) <= 1 / FPS


@pytest.mark.slow
def test_changing_the_soundtrack_level_re_cuts_the_film(built) -> None:
    project, path, _ = built
    path.write_text(path.read_text().replace("volume: -12", "volume: -20"), encoding="utf-8")
    pieces_before = segments(project)
    result = build(compiled_of(path))
    assert result.films[0].film.method != "up to date"
    assert segments(project) == pieces_before  # the picture's pieces are kept; only the sound is mixed again


def test_a_card_shows_its_image_scaled_to_fit_on_its_colour(tmp_path: Path, media_dir: Path) -> None:
    from storyboard.cut.render import Piece, card_source, piece_args
    from storyboard.media.fonts import font_file

    fmt = FilmFormat.of((320, 180), FPS)
    card = CardSpec("Aurora" if font_file() else None, media_dir / "c.png", 0.4, "#1b1b1b")  # c.png: green 64x36
    source = card_source(card, fmt)
    placed = layout([Entry("card", "end", 0.4, 0.0, card=card)], {"end": source}, fmt)[0]
    out = tmp_path / "card.mp4"
    args, files = piece_args(Piece("card end", placed, (0, 10)), fmt, out)
    subprocess.run(args, check=True, capture_output=True)
    for f in files:  # the words' file: the caller's to remove
        f.unlink()
    info = probe_clip(out)
    assert info.fps == Fraction(FPS) and (info.width, info.height) == (320, 180) and info.audio_codec == "aac"
    with av.open(str(out)) as container:
        decoded = list(container.decode(video=0))
    assert len(decoded) == 10
    plane = decoded[5].reformat(format="rgb24").planes[0]
    pixel = bytes(plane)
    centre = 75 * plane.line_size + 160 * 3  # the image's middle: above the words
    assert near(tuple(pixel[centre : centre + 3]), (0, 128, 0), 30)  # type: ignore[arg-type]
    assert near(tuple(pixel[5 * plane.line_size + 15 : 5 * plane.line_size + 18]), (27, 27, 27), 8)  # type: ignore[arg-type]


def test_a_piece_that_fails_leaves_nothing_in_the_store(project: Project, tmp_path: Path) -> None:
    import asyncio

    from storyboard.cut.render import card_source, render_entries
    from storyboard.errors import RenderError
    from storyboard.store import Store

    fmt = FilmFormat.of((320, 180), FPS)
    image = tmp_path / "logo.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=green:s=64x36", "-frames:v", "1", str(image))
    good, bad = CardSpec("ok", None, 0.4, "#000000"), CardSpec(None, image, 0.4, "#ffffff")
    entries = [Entry("card", "good", 0.4, 0.0, card=good), Entry("card", "bad", 0.4, 0.4, card=bad)]
    sources = {"good": card_source(good, fmt), "bad": card_source(bad, fmt)}
    image.write_bytes(b"no longer an image")  # as a file changed under a running build
    with Store(project.root, create=True) as store:
        store.ensure()
        with pytest.raises(RenderError, match="card bad"):
            asyncio.run(render_entries(store, entries, sources, fmt, lambda state, detail: None))
        segments_dir = project.root / ".storyboard" / SEGMENTS_DIR
        kept = sorted(p.name for p in segments_dir.iterdir()) if segments_dir.exists() else []
        assert len(kept) <= 1  # the good card, whole, or nothing
        assert list((project.root / ".storyboard" / "tmp").glob("*.mp4")) == []


PLAIN = """
version: 1
settings: {resolution: 480p, duration: 3}
shots:
  - {id: a, prompt: the first shot}
  - {id: b, prompt: the second shot}
soundtrack:
  - {file: refs/jingle.wav, at: 4.0}
"""
VOICE = "bandpass=f=600:width_type=q:w=8,bandpass=f=600:width_type=q:w=8"


@pytest.mark.slow
def test_a_cut_of_whole_shots_keeps_its_stream_copy_and_gets_its_voice_over_at_its_time(project: Project) -> None:
    path = project.write(PLAIN)
    result = build(compiled_of(path))
    assert result.ok and result.films[0].film.method == "copy"  # no piece: the clips joined as they are
    film = film_of(project)
    assert abs(probe_clip(film).seconds - 6.0) <= 1 / 32
    assert rms(film, 4.2, 5.8, VOICE) - rms(film, 1.0, 3.8, VOICE) > 30  # silent before 4 s, there after
    assert not (project.root / ".storyboard" / SEGMENTS_DIR).exists()


def test_the_review_page_shows_the_compiled_cut_its_card_transitions_trim_and_soundtrack(built) -> None:
    """The page reads the compiler's entries (kind and id), not only a cut as written."""
    project, _, _ = built
    page = (project.root / "out" / "storyboard.html").read_text()
    rows = re.findall(r'<tr id="([^"]+)"', page)
    assert rows[:4] == ["o", "a", "b", "endcard"]
    assert "crossfade" in page or "fade" in page
    assert "wipeleft" in page and "The end" in page and "bed.wav" in page


def test_the_timeline_carries_the_cuts_transition_and_trim(built) -> None:
    import opentimelineio as otio

    project, _, _ = built
    timeline = otio.adapters.read_from_file(str(project.root / "out" / "storyboard.otio"))
    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    items = list(video)
    transitions = [i for i in items if isinstance(i, otio.schema.Transition)]
    clips = {c.name: c for c in items if isinstance(c, otio.schema.Clip)}
    # crossfade is xfade's `fade`; the wipe into the card is the second (tests/test_timeline_cards.py)
    assert [t.name for t in transitions] == ["fade", "wipeleft"]
    assert items.index(transitions[0]) == items.index(clips["b"]) - 1  # into b, from a
    overlap = transitions[0].in_offset + transitions[0].out_offset
    assert overlap.to_seconds() == pytest.approx(0.5, abs=1 / FPS)
    # OTIO centres the transition on the cut: b's first half-overlap is under the transition, over its handle
    b, half = clips["b"].source_range, transitions[0].in_offset.to_seconds()
    assert b is not None
    assert b.start_time.to_seconds() - half == pytest.approx(0.5, abs=1 / FPS)  # the trim's in point
    wipe = transitions[1].out_offset.to_seconds()  # b's end under the wipe into the card: its half
    assert b.duration.to_seconds() + half + wipe == pytest.approx(2.5, abs=1 / FPS)  # the trim's length
