"""A card on the timeline: at its place in the film, to the frame, its media the card rendered, and the
transitions into and out of it as OTIO transitions, as between shots.

The film of tests/test_render.py (built once per session) ends on a red card wiped in; a second,
smaller one opens on a card and fades from it into the first shot. Every item's record time is
checked against the film itself, decoded: its frames, and where the card's red is.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from storyboard.cut.handoff import media_folder
from storyboard.media.probe import probe_clip
from tests.conftest import Project, build_clean, compiled_of
from tests.test_render import BOARD, FPS, RED, _make, film_of, frames_of, near


@pytest.fixture
def built(built_once):
    return built_once.get("render", BOARD, _make)


def video_of(path: Path) -> Any:
    timeline = otio.adapters.read_from_file(str(path))
    return timeline, next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)


def record(item: Any) -> tuple[int, int]:
    """An item's frames on the track, [first, end), handles included for a clip (what the film shows of it)."""
    if isinstance(item, otio.schema.Clip):
        shown = item.trimmed_range_in_parent()
        start = shown.start_time.value + (item.visible_range().start_time - item.trimmed_range().start_time).value
        return round(start), round(start + item.visible_range().duration.value)
    r = item.range_in_parent()
    return round(r.start_time.value), round(r.end_time_exclusive().value)


@pytest.mark.slow  # decodes the film
def test_the_card_is_a_clip_at_the_films_frames_with_a_transition_into_it_and_its_media_resolves(built) -> None:
    project, path, _ = built
    timeline_path = project.root / "out" / "storyboard.otio"
    timeline, video = video_of(timeline_path)
    items = list(video)
    names = [i.name for i in items]
    assert names == ["o", "a", "fade", "b", "wipeleft", "endcard"]
    card, wipe = items[-1], items[-2]
    assert isinstance(card, otio.schema.Clip) and isinstance(wipe, otio.schema.Transition)
    (marker,) = card.markers
    assert marker.name == "endcard"
    assert marker.metadata["storyboard"] == {"card": "endcard", "kind": "card", "text": "The end"}
    # against the film, decoded: the track is its length; the card ends it and its red begins inside the wipe
    frames = frames_of(film_of(project))
    assert round(video.duration().value) == len(frames)
    first, end = record(card)
    assert end == len(frames)
    red = [i for i, px in enumerate(frames) if near(px, RED)]
    wipe_first, wipe_end = record(wipe)
    assert (wipe_first, wipe_end) == (first, first + 10)  # 0.4 s at 25 fps: the film's overlap, to the frame
    assert wipe_first <= red[0] <= wipe_end and red[-1] == len(frames) - 1
    assert end - first == 50  # the card's 2 s, its head under the wipe included
    compiled = compiled_of(path)
    assert first == round(compiled.entries[-1].start * FPS)
    # its media: the card rendered, as long as it is shown, named by its id beside the shots', relative
    url = card.media_reference.target_url
    assert url == "storyboard/media/endcard.mp4"
    media = timeline_path.parent / url
    assert media.is_file() and media.parent == media_folder(film_of(project))
    info = probe_clip(media)
    assert round(info.seconds * FPS) == 50 and (info.width, info.height) == (854, 480)
    assert near(frames_of(media)[0], RED) and near(frames_of(media)[-1], RED)
    stored = project.root / ".storyboard" / "segments"
    assert any(filecmp.cmp(media, p, shallow=False) for p in stored.iterdir())  # the stored piece
    # a card is silent: the clip-sound track has a gap under it, and the same length as the picture
    sound = timeline.tracks[1]
    assert isinstance(list(sound)[-1], otio.schema.Gap)
    assert sound.duration() == video.duration()


def test_the_card_reaches_fcp7_xml_as_a_clip_after_a_transition(built) -> None:
    project, _, _ = built
    timeline, _ = video_of(project.root / "out" / "storyboard.otio")
    xml = ET.fromstring(otio.adapters.write_to_string(timeline, adapter_name="fcp_xml"))
    sequence = xml.find(".//sequence")
    assert sequence is not None and sequence.findtext("rate/timebase") == "25"
    track = sequence.find("media/video/track")
    assert track is not None
    kinds = [(e.tag, e.findtext("name")) for e in track if e.tag in ("clipitem", "transitionitem")]
    assert [k for k, _ in kinds] == ["clipitem", "clipitem", "transitionitem", "clipitem", "transitionitem", "clipitem"]
    assert kinds[-1][1] == "endcard"
    card = track.findall("clipitem")[-1]
    assert int(card.findtext("end") or 0) == round(timeline.duration().value)


OPENING = """
version: 1
settings: {resolution: 480p, duration: 3, fps: 25}
shots:
  - {id: a, prompt: the first shot}
cut:
  - {card: {text: Hello, seconds: 1, background: "#ff0000"}, id: title}
  - {shot: a, transition: {type: fade, seconds: 0.6}}
"""


@pytest.mark.slow
def test_a_transition_out_of_a_card_is_an_otio_transition_and_the_copied_project_resolves(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = project.write(OPENING)
    build_clean(project, path)
    timeline_path = project.root / "out" / "storyboard.otio"
    _, video = video_of(timeline_path)
    title, fade, a = list(video)
    assert (title.name, fade.name, a.name) == ("title", "fade", "a")
    frames = frames_of(film_of(project))
    assert round(video.duration().value) == len(frames) == 25 + 75 - 15
    assert record(title) == (0, 25) and record(fade) == (10, 25) and record(a) == (10, 85)
    red = [i for i, px in enumerate(frames) if near(px, RED)]
    assert red[0] == 0 and 10 <= red[-1] < 25  # the card alone up to the fade, gone by its end
    # after `cp -a` of the project, rebuilt there: the card's media resolves, a link to the stored card
    elsewhere = tmp_path_factory.mktemp("moved") / "project"
    subprocess.run(["cp", "-a", str(project.root), str(elsewhere)], check=True)
    aside = project.root.with_name(project.root.name + "-aside")
    project.root.rename(aside)
    try:
        again = build_clean(project, elsewhere / "storyboard.yaml")
    finally:
        aside.rename(project.root)
    assert {r.status for r in again.run.shots.values()} == {"cached"}
    _, video = video_of(elsewhere / "out" / "storyboard.otio")
    card = list(video)[0]
    media = elsewhere / "out" / card.media_reference.target_url
    assert media.is_file() and probe_clip(media).seconds == pytest.approx(1.0, abs=1 / FPS)
    stored = elsewhere / ".storyboard" / "segments"
    assert any(os.path.samefile(media, p) for p in stored.iterdir())  # a link to the stored card, no copy
    shutil.rmtree(elsewhere)


def test_a_card_file_gone_from_the_store_is_rendered_again_for_the_timeline_of_a_film_that_stands(built) -> None:
    """The film is up to date (nothing is cut again), but the timeline's media of the card must exist."""
    from storyboard.ops import build

    project, path, _ = built
    shutil.rmtree(project.root / ".storyboard" / "segments")
    media = media_folder(film_of(project)) / "endcard.mp4"
    media.unlink()
    again = build(compiled_of(path))
    assert again.ok and again.films[0].film.method == "up to date"
    assert media.is_file() and round(probe_clip(media).seconds * FPS) == 50
    assert len(list((project.root / ".storyboard" / "segments").iterdir())) == 1  # the card alone, not the film
