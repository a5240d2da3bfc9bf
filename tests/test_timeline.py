"""The editor's handoff: the .otio beside the film, its media as named files, and the editors' formats.

What an editor meets: the timeline loads; its media resolve relative to it (after `cp -a`
of the project, too) as files named by shot; FCP 7 XML converted from it has video and
audio tracks at an SMPTE rate; a renamed shot renames its clip and its file.
"""

from __future__ import annotations

import dataclasses
import filecmp
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import opentimelineio as otio
import pytest

from storyboard.compile import compile_project
from storyboard.cut import editors
from storyboard.cut.handoff import MANIFEST, audio_sources, media_folder, sync_media, write_handoff
from storyboard.cut.timeline import AudioSource, FilmShot, editorial_rate
from storyboard.errors import RenderError
from storyboard.load import load
from storyboard.media.probe import probe_clip
from storyboard.ops import build, plans
from storyboard.store import cliprecords
from tests.conftest import BuiltOnce, Project

BOARD = """
version: 1
title: Handoff
settings: {resolution: 480p, duration: 3}
shots:
  - {id: open, prompt: "Open on the cafe."}
  - {id: pour, takes: 2, take: 2, prompt: "Latte art, close-up."}
  - {id: last, prompt: The end.}
"""


def project_of(path: Path) -> Any:
    project = compile_project(load(path))
    assert project.ok, [d.message for d in project.diagnostics.errors]
    return project


def _build(project: Project, path: Path) -> Any:
    result = build(project_of(path))
    assert result.ok and result.film is not None
    return result


@pytest.fixture
def built(built_once: BuiltOnce) -> tuple[Project, Path]:
    project, path, _ = built_once.get("test_timeline", BOARD, _build)
    return project, path


def load_timeline(path: Path) -> Any:
    return otio.adapters.read_from_file(str(path))


def resolved(timeline_path: Path) -> list[tuple[Any, Path]]:
    """Every clip of every track with the file its target_url names, relative to the timeline's folder."""
    timeline = load_timeline(timeline_path)
    out = []
    for track in timeline.tracks:
        for clip in track.find_clips():
            url = clip.media_reference.target_url
            assert "://" not in url and not url.startswith("/"), url  # relative: the project may move
            out.append((clip, timeline_path.parent / url))
    return out


# -- the .otio of a build --------------------------------------------------------------------
def test_the_timeline_has_a_video_and_a_sound_track_a_marker_per_shot_and_the_films_rate(built) -> None:
    project, _ = built
    path = project.root / "out" / "storyboard.otio"
    timeline = load_timeline(path)
    video, sound = timeline.tracks
    assert (video.kind, sound.kind) == (otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio)
    assert [c.name for c in video] == ["open", "pour#2", "last"]  # the take the cut uses
    assert len(list(sound)) == 3
    for clip in video:
        (marker,) = clip.markers
        meta = marker.metadata["storyboard"]
        assert marker.name == clip.name and meta["provider"] == "local"
        assert set(meta) == {"shot", "prompt", "provider", "take"}
    assert video[1].markers[0].metadata["storyboard"] == {
        "shot": "pour",
        "prompt": "Latte art, close-up.",
        "provider": "local",
        "take": 2,
    }
    assert video[1].markers[0].comment == "Latte art, close-up. (local, take 2)"
    assert {c.duration().rate for c in video} == {32.0}  # no settings.fps: SkyReels' 32
    film = probe_clip(project.root / "out" / "storyboard.mp4").seconds
    assert abs(video.duration().to_seconds() - film) < 3 / 32


def test_media_are_named_by_shot_beside_the_timeline_and_resolve_relative_to_it(built) -> None:
    project, _ = built
    path = project.root / "out" / "storyboard.otio"
    folder = project.root / "out" / "storyboard" / "media"
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["last.mp4", "open.mp4", "pour.take2.mp4"]  # `#` would start a URL's fragment
    for clip, file in resolved(path):
        assert file.is_file() and file.parent == folder
        assert abs(probe_clip(file).seconds - clip.duration().to_seconds()) < 1 / 32


@pytest.mark.slow
def test_media_are_hard_links_to_the_stored_clips_and_a_no_op_plan_reads_none(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project.write(BOARD)
    result = _build(project, path)
    folder = media_folder(result.film)
    for sid, name in (("open", "open.mp4"), ("pour", "pour.take2.mp4"), ("last", "last.mp4")):
        assert os.path.samefile(folder / name, result.run.clip(sid))  # no copy of the bytes
    reads: list[str] = []
    real = cliprecords.file_sha256
    monkeypatch.setattr(cliprecords, "file_sha256", lambda p: reads.append(os.fspath(p)) or real(p))
    again = build(project_of(path))
    assert again.cut_method == "up to date" and reads == []  # the links moved the clips' ctime; re-recorded


# -- after cp -a -------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("how", ["cp -a", "copytree"])
def test_after_copying_the_project_every_reference_of_the_rebuilt_timeline_resolves(
    built, tmp_path: Path, how: str
) -> None:
    project, _ = built
    elsewhere = tmp_path / "moved" / "project"
    elsewhere.parent.mkdir()
    if how == "cp -a":
        subprocess.run(["cp", "-a", str(project.root), str(elsewhere)], check=True)
    else:
        shutil.copytree(project.root, elsewhere, symlinks=True)
    aside = project.root.with_name("aside")
    project.root.rename(aside)  # nothing may still point at the old folder
    try:
        result = build(project_of(elsewhere / "storyboard.yaml"))
    finally:
        aside.rename(project.root)
    assert result.ok and result.film == elsewhere / "out" / "storyboard.mp4"
    assert {r.status for r in result.run.shots.values()} == {"cached"}  # nothing paid again
    refs = resolved(elsewhere / "out" / "storyboard.otio")
    assert len(refs) == 6  # three pictures, three sounds
    for clip, file in refs:
        sid = clip.metadata["storyboard"]["shot"]
        assert file.is_file() and os.path.samefile(file, result.run.clip(sid))  # the clip, linked anew


# -- a renamed shot -------------------------------------------------------------------------------
@pytest.mark.slow
def test_renaming_a_shot_rewrites_the_timeline_and_its_media_file_and_leaves_other_files(built) -> None:
    project, path = built
    folder = project.root / "out" / "storyboard" / "media"
    (folder / "notes.txt").write_text("the editor's own file")
    path.write_text(path.read_text().replace("{id: open,", "{id: opening,"))
    result = build(project_of(path))
    assert result.ok and result.cut_method == "up to date"  # the same clips: the film stands
    timeline = load_timeline(project.root / "out" / "storyboard.otio")
    assert [c.name for c in timeline.tracks[0]] == ["opening", "pour#2", "last"]
    assert timeline.tracks[0][0].markers[0].metadata["storyboard"]["shot"] == "opening"
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["last.mp4", "notes.txt", "opening.mp4", "pour.take2.mp4"]  # open.mp4 gone, notes kept
    assert (folder / "notes.txt").read_text() == "the editor's own file"
    for _, file in resolved(project.root / "out" / "storyboard.otio"):
        assert file.is_file()


def test_a_new_title_rewrites_the_timeline_of_a_film_that_stands(built) -> None:
    """Nothing the film's record holds changed, every file is there: only what the timeline shows did."""
    project, path = built
    path.write_text(path.read_text().replace("title: Handoff", "title: Handoff, recut"))
    result = build(project_of(path))
    assert result.cut_method == "up to date"
    assert load_timeline(project.root / "out" / "storyboard.otio").name == "Handoff, recut"


def test_a_file_where_the_media_folder_goes_is_a_located_error_at_check(built) -> None:
    """Found before anything is built (O005, as for every sidecar), so a check that passes builds."""
    project, path = built
    shutil.rmtree(project.root / "out" / "storyboard")
    (project.root / "out" / "storyboard").write_text("not a folder")
    compiled = compile_project(load(path))
    (error,) = [d for d in compiled.diagnostics if d.code == "O005"]
    assert "`out/storyboard` exists and is not a folder" in error.message
    assert (project.root / "out" / "storyboard").read_text() == "not a folder"


def test_a_file_in_the_media_folder_the_tool_did_not_place_is_a_clear_error(media_dir: Path, tmp_path: Path) -> None:
    film = tmp_path / "out" / "film.mp4"
    media_folder(film).parent.mkdir(parents=True)
    media_folder(film).write_text("in the way")  # `media` itself a file: nothing the check looks at
    with pytest.raises(RenderError) as caught:
        write_handoff(shots_of(media_dir), film, "T", rate=25)
    message = str(caught.value)
    assert "the timeline's media could not be placed in" in message and "move what is in the way" in message
    assert media_folder(film).read_text() == "in the way"


# -- the editors' formats --------------------------------------------------------------------------
def test_fcp7_and_fcpx_at_32_fps_are_a_warning_naming_the_smpte_rates_and_the_otio_stands(built) -> None:
    project, path = built
    film = project.root / "out" / "storyboard.mp4"
    result = project.cli("build", str(path), "--timeline", "fcp7", "--timeline", "fcpx")
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if "warning:" in line]
    assert len(warned) == 2
    for line in warned:
        assert "no 32 fps" in line and "settings.fps" in line
    assert "23.976, 24, 25, 29.97, 30" in warned[0]
    assert not film.with_suffix(".xml").exists() and not film.with_suffix(".fcpxml").exists()
    assert load_timeline(film.with_suffix(".otio")).tracks[0][0].name == "open"


def test_an_unknown_timeline_format_is_a_usage_error(built) -> None:
    project, path = built
    result = project.cli("build", str(path), "--timeline", "avid")
    assert result.exit_code == 2 and "fcp7" in result.output  # click names the formats there are


def test_kdenlive_and_otioz_from_the_build_at_32_fps(built) -> None:
    project, path = built
    film = project.root / "out" / "storyboard.mp4"
    result = project.cli("build", str(path), "--timeline", "kdenlive", "--timeline", "otioz")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "deprecated" not in result.output  # the adapter's banner kept out
    mlt = ET.parse(film.with_suffix(".kdenlive")).getroot()
    assert mlt.tag == "mlt" and mlt.find("profile").get("frame_rate_num") == "32"
    sound = [p for p in mlt.iter("playlist") if p.find("property[@name='kdenlive:audio_track']") is not None]
    assert sound and len(sound[0].findall("entry")) == 3  # the clips' sound on an audio track: not silent
    with zipfile.ZipFile(film.with_suffix(".otioz")) as bundle:
        names = set(bundle.namelist())
    assert "content.otio" in names and {"media/open.mp4", "media/pour.take2.mp4", "media/last.mp4"} <= names


def shots_of(media_dir: Path) -> list[FilmShot]:
    clip = media_dir / "dance.mp4"  # 3 s at 16 fps, with sound
    long = media_dir / "long.mp4"  # 12 s, silent
    info, silent = probe_clip(clip), probe_clip(long)
    return [
        FilmShot("open", clip, 0.0, info.seconds, info.fps, "Open.", "local", "k1", Decimal("0"), "built"),
        FilmShot("pour", long, info.seconds, 4.0, silent.fps, "Pour.", "local", "k2", Decimal("0"), "built",
                 take=2, sound=False),
    ]  # fmt: skip


def test_a_timeline_at_25_fps_converts_to_fcp7_xml_with_video_and_audio_tracks(media_dir: Path, tmp_path: Path) -> None:
    """At an SMPTE rate (written through the writer: `settings.fps` is the language's, wired after the merge)."""
    film = tmp_path / "out" / "film.mp4"
    made = write_handoff(shots_of(media_dir), film, "Handoff", rate=25, formats=["fcp7", "fcpx"])
    assert made.warnings == [] and set(made.editors) == {"fcp7", "fcpx"}
    # the .otio itself, converted as an editor would with otio-fcp-adapter
    timeline = load_timeline(made.timeline)
    xml = ET.fromstring(otio.adapters.write_to_string(timeline, adapter_name="fcp_xml"))
    for tree in (xml, ET.parse(film.with_suffix(".xml")).getroot()):
        sequence = tree.find(".//sequence")
        assert sequence is not None and sequence.findtext("rate/timebase") == "25"
        assert sequence.findtext("rate/ntsc") == "FALSE"
        video = sequence.findall("media/video/track/clipitem")
        audio = sequence.findall("media/audio/track/clipitem")
        assert [c.findtext("name") for c in video] == ["open", "pour#2"]
        assert [c.findtext("name") for c in audio] == ["open"]  # pour has no sound of its own
    # the editor's XML names each file by absolute URL, and it is the media file
    urls = {e.text for e in ET.parse(film.with_suffix(".xml")).getroot().iter("pathurl")}
    assert urls == {(media_folder(film) / n).as_uri() for n in ("open.mp4", "pour.take2.mp4")}
    fcpx = ET.parse(film.with_suffix(".fcpxml")).getroot()
    assert {f.get("frameDuration") for f in fcpx.iter("format")} == {"1/25s"}


def test_a_transition_overlaps_the_clips_and_reaches_fcp7_as_a_transition(media_dir: Path, tmp_path: Path) -> None:
    """ffmpeg's xfade: the film is the clips less the overlap; OTIO centres it on the cut over the handles."""
    first, second = shots_of(media_dir)
    second = dataclasses.replace(second, transition="fade", transition_seconds=1.0, trim_in=0.5)
    made = write_handoff([first, second], tmp_path / "out" / "film.mp4", "T", rate=25, formats=["fcp7"])
    video = load_timeline(made.timeline).tracks[0]
    a, fade, b = video
    assert isinstance(fade, otio.schema.Transition) and fade.name == "fade"
    # 25 frames either side of the cut: b's handle (13 frames it gave up) plays before it, a's (12) after
    assert (fade.in_offset.value, fade.out_offset.value) == (13, 12)
    assert abs(video.duration().to_seconds() - (first.seconds + second.seconds - 1.0)) < 1 / 25
    assert b.source_range.start_time.value == round(0.5 * 25) + 13  # the trim, then its half of the overlap
    # what each clip shows, handles included, is what the film shows of it: b from its in point, a to its end
    assert b.visible_range().start_time.value == round(0.5 * 25)
    assert a.visible_range().duration.value == round(first.seconds * 25)
    assert b.trimmed_range().end_time_exclusive().to_seconds() <= b.available_range().end_time_exclusive().to_seconds()
    xml = ET.parse(made.editors["fcp7"]).getroot()
    assert len(xml.findall(".//media/video/track/transitionitem")) == 1


def test_ntsc_rates_are_exact_for_timecode() -> None:
    assert editorial_rate(23.976) == 24000 / 1001 and editorial_rate(29.97) == 30000 / 1001
    assert editorial_rate(None) == 32.0 and editorial_rate(25) == 25.0
    assert editors.problem("fcp7", editorial_rate(23.976)) is None
    assert "no 23.976 fps" in (editors.problem("fcpx", editorial_rate(23.976)) or "")


def test_a_missing_adapter_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def absent(name: str) -> Any:
        raise otio.exceptions.NotSupportedError(name)

    monkeypatch.setattr(otio.adapters, "from_name", absent)
    why = editors.problem("fcp7", 25.0)
    assert why is not None and "pip install 'storyboard[editors]'" in why and "otio-fcp-adapter" in why


def test_soundtrack_sources_are_an_audio_track_each(media_dir: Path, tmp_path: Path) -> None:
    film = tmp_path / "out" / "film.mp4"
    bed = AudioSource("soundtrack 1", media_dir / "jingle.wav", 0.0, 4.0)
    voice = AudioSource("voice-over 2", media_dir / "voice.wav", 1.6, 2.0, kind="voice-over")
    made = write_handoff(shots_of(media_dir), film, "Sound", rate=25, audio=[bed, voice])
    timeline = load_timeline(made.timeline)
    assert [t.name for t in timeline.audio_tracks()] == ["clip sound", "soundtrack 1", "voice-over 2"]
    gap, clip = timeline.audio_tracks()[2]
    assert isinstance(gap, otio.schema.Gap) and gap.duration().to_seconds() == 1.6
    assert filecmp.cmp(made.timeline.parent / clip.media_reference.target_url, media_dir / "voice.wav")


def test_the_soundtrack_is_read_defensively_from_compiled(media_dir: Path) -> None:
    compiled = SimpleNamespace(
        root=media_dir,
        soundtrack=[SimpleNamespace(file="jingle.wav", volume=-12), SimpleNamespace(file="voice.wav", at=4.0),
                    SimpleNamespace(file="absent.wav"), SimpleNamespace(other=1)],
    )  # fmt: skip
    sources = audio_sources(compiled, film_seconds=6.0)
    assert [(s.name, s.kind, s.start) for s in sources] == [
        ("soundtrack 1", "soundtrack", 0.0),
        ("voice-over 2", "voice-over", 4.0),
    ]
    assert abs(sources[0].seconds - 4.0) < 0.05 and abs(sources[1].seconds - 2.0) < 0.05  # cut at the film's end
    assert sources[0].volume_db == -12.0
    assert audio_sources(SimpleNamespace(), film_seconds=6.0) == []  # before the language has it


# -- the media folder: only what it placed ---------------------------------------------------------
def test_sync_removes_only_files_it_placed_and_still_as_it_left_them(tmp_path: Path) -> None:
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"a" * 10)
    b.write_bytes(b"b" * 20)
    folder = tmp_path / "media"
    sync_media({"one.mp4": a, "two.mp4": b, "three.mp4": a}, folder)
    assert (folder / MANIFEST).is_file()
    (folder / "mine.mp4").write_bytes(b"the user's")
    (folder / "two.mp4").unlink()
    (folder / "two.mp4").write_bytes(b"replaced by the user")  # a file of its own now, under a listed name
    sync_media({"one.mp4": a}, folder)
    assert sorted(p.name for p in folder.iterdir() if p.name != MANIFEST) == ["mine.mp4", "one.mp4", "two.mp4"]
    assert (folder / "two.mp4").read_bytes() == b"replaced by the user"
    assert os.path.samefile(folder / "one.mp4", a)
    b.write_bytes(b"c" * 5)  # a new clip under a name: placed anew
    sync_media({"one.mp4": b}, folder)
    assert (folder / "one.mp4").read_bytes() == b"c" * 5 and a.read_bytes() == b"a" * 10


def test_a_timeline_without_media_urls_is_still_written(media_dir: Path, tmp_path: Path) -> None:
    """``write_timeline`` as before: each clip where it is (an absolute URI)."""
    from storyboard.cut.timeline import write_timeline

    shots = shots_of(media_dir)
    path = write_timeline(shots, tmp_path / "t.otio", "T", rate=Fraction(25))
    clips = list(load_timeline(path).tracks[0])
    assert [c.media_reference.target_url for c in clips] == [s.clip.resolve().as_uri() for s in shots]


def test_plans_of_the_board_are_unchanged_by_the_handoff(built) -> None:
    """The handoff writes outside the store: a replan after the build is all cached."""
    project, path = built
    assert {s.action for p in plans(project_of(path)).films for s in p.shots} == {"cached"}


def test_a_storyboard_at_25_fps_asking_for_fcp7_builds_fcp7_xml_with_video_and_audio(project: Project) -> None:
    """The file-level route: `settings.fps` and `settings.timeline` as the language has them."""
    path = project.write("""
        version: 1
        settings: {resolution: 480p, duration: 3, fps: 25, timeline: [fcp7], output: out/ad.mp4}
        shots:
          - {id: open, prompt: The cafe., sound: true}
          - {id: pour, prompt: Latte art.}
    """)
    result = project.cli("build", str(path))
    assert result.exit_code == 0, result.output
    tree = ET.parse(project.root / "out" / "ad.xml").getroot()
    sequence = tree.find(".//sequence")
    assert sequence is not None and sequence.findtext("rate/timebase") == "25"
    assert [c.findtext("name") for c in sequence.findall("media/video/track/clipitem")] == ["open", "pour"]
    assert sequence.findall("media/audio/track/clipitem")
    for url in {e.text or "" for e in tree.iter("pathurl")}:
        assert Path(url.removeprefix("file://")).is_file(), url
