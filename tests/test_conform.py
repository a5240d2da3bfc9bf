"""The conformed cut: each clip brought to the film's format once, kept, and joined by stream copy.

The film is probed: its rate exact, its length the sum of its parts, its sound on its picture
(stream lengths, and the sound decoded sample by sample, which is what a player hears).
"""

from __future__ import annotations

import asyncio
import io
from fractions import Fraction
from pathlib import Path

import av
import pytest

from storyboard.cut import cut_film
from storyboard.cut.conform import FilmFormat, editorial_rate
from storyboard.cut.incremental import ROW, StoredClip, cut_stored
from storyboard.media.probe import ClipInfo, probe_clip
from storyboard.store import Store

from .conftest import ffmpeg

AAC_FRAME = 1024 / 48000  # the sound may end up to one AAC frame after the picture


def clip(
    path: Path, size: str = "320x180", rate: str = "32", seconds: float = 1.0, audio: bool = True, tone: int = 440
):
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f={tone}:r=44100:d={seconds}", "-c:a", "aac", "-ac", "1"]
    ffmpeg(*args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest", str(path))
    return path


def mixed(folder: Path) -> list[Path]:
    """Three sizes, three rates, mono 44.1 kHz sound and none."""
    return [
        clip(folder / "a.mp4", "320x180", "25", 1.0),
        clip(folder / "b.mp4", "180x320", "30", 1.5, tone=550),
        clip(folder / "c.mp4", "640x360", "24", 1.0, audio=False),
    ]


def decoded(path: Path) -> tuple[int, float]:
    """Frames of picture, and seconds of sound, as a player decodes them."""
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    with av.open(str(path)) as container:
        samples = sum(f.samples for f in container.decode(audio=0))
        rate = container.streams.audio[0].rate
    return frames, samples / rate


def assert_in_sync(film: ClipInfo, path: Path, fps: Fraction) -> None:
    frame = float(1 / fps)
    assert film.audio_seconds is not None and abs(film.audio_seconds - film.seconds) <= frame
    frames, heard = decoded(path)
    assert abs(frames / fps - Fraction(film.seconds)) <= frame / 2
    assert -frame <= heard - film.seconds <= frame + AAC_FRAME  # no clip's priming heard: no drift


@pytest.mark.slow
@pytest.mark.parametrize("fps", [24, 25, 30, "29.97", 32])
def test_the_film_is_conformed_to_its_editorial_rate_with_the_sound_in_sync(tmp_path, fps):
    clips = mixed(tmp_path)
    rate = editorial_rate(fps)
    result = cut_film(clips, tmp_path / "out" / "film.mp4", (320, 180), fps=Fraction(str(fps)))
    assert result.method == "normalise" and result.conformed == 3
    film = probe_clip(result.film)
    assert film.fps == rate and (film.width, film.height) == (320, 180) and film.pix_fmt == "yuv420p"
    assert (film.audio_codec, film.audio_rate, film.audio_channels) == ("aac", 48000, 2)
    frames = [max(1, round(Fraction(s) * rate)) for s in (1.0, 1.5, 1.0)]
    assert abs(Fraction(film.seconds) - sum(frames) / rate) <= 1 / rate  # the sum of the clips, within a frame
    assert abs(film.seconds - 3.5) <= 3 / (2 * float(rate))  # each clip within half a frame of its length
    assert_in_sync(film, result.film, rate)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["film.mp4"]  # no temporary left


def test_editorial_rates_are_exact():
    assert editorial_rate("29.97") == Fraction(30000, 1001) == editorial_rate(29.97)
    assert editorial_rate(23.976) == Fraction(24000, 1001) and editorial_rate(32) == 32
    assert FilmFormat.of((1, 1), 25).digest != FilmFormat.of((1, 1), 24).digest != FilmFormat.of((2, 1), 24).digest


@pytest.mark.slow
def test_clips_in_the_films_format_are_joined_with_their_pictures_untouched_and_their_sound_in_sync(tmp_path):
    """Stream-copied sound would keep each clip's AAC priming: 21 ms more sound at every join."""
    clips = []
    for i in range(8):
        path = tmp_path / f"c{i}.mp4"
        ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=32:d=1", "-f", "lavfi", "-i", f"sine=f={300 + 50 * i}:r=48000:d=1",
               "-c:a", "aac", "-ac", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))  # fmt: skip
        clips.append(path)
    result = cut_film(clips, tmp_path / "film.mp4", (320, 180))
    assert result.method == "copy" and result.conformed == 0
    film = probe_clip(result.film)
    assert abs(film.seconds - 8) <= 1 / 64
    assert_in_sync(film, result.film, Fraction(32))


def stored(store: Store, clips: list[Path]) -> list[StoredClip]:
    """Each clip put in the store under a key of its own (its name), as a build leaves them."""
    out = []
    for path in clips:
        key = path.stem.ljust(64, "0")
        final = store.put_clip(key, path, move=False)
        out.append(StoredClip(final, probe_clip(final), key, 1))
    return out


def conformed_files(root: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (root / ".storyboard" / "conformed").iterdir()}


def every_file(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_a_second_cut_after_one_clip_changed_conforms_that_clip_alone(tmp_path):
    sources = tmp_path / "src"
    sources.mkdir()
    made = mixed(sources) + [clip(sources / "d.mp4", "480x270", "30", 1.0, tone=660)]
    project = tmp_path / "project"
    out = project / "out" / "film.mp4"
    with Store(project, create=True) as store:
        parts = stored(store, made)
        before = every_file(project)
        first = asyncio.run(cut_stored(store, parts, out, (320, 180), 25))
        assert (first.method, first.conformed, first.kept) == ("normalise", 4, 0)
        once = conformed_files(project)
        assert len(once) == 4 and all(
            ".take" not in n and n.endswith(f".{FilmFormat.of((320, 180), 25).digest}.mp4") for n in once
        )
        written = every_file(project) - before  # the film and the conformed clips, nothing else
        assert {p for p in written if p.parts[:2] != (".storyboard", "conformed")} == {Path("out/film.mp4")}
        assert not any((project / ".storyboard" / "tmp").iterdir())

        # one shot edited: its clip is a new one under a new key
        parts[1] = stored(store, [clip(sources / "e.mp4", "180x320", "30", 2.0, tone=770)])[0]
        calls: list[tuple[str, str]] = []
        second = asyncio.run(cut_stored(store, parts, out, (320, 180), 25, lambda s, d: calls.append((s, d))))
        assert (second.conformed, second.kept) == (1, 3)
        twice = conformed_files(project)
        assert set(twice) - set(once) == {f"{parts[1].key}.{FilmFormat.of((320, 180), 25).digest}.mp4"}
        assert {n: t for n, t in twice.items() if n in once} == once  # the others not written again
        assert calls == [
            ("conforming", "0/1"),
            ("conforming", "1/1"),
            ("joining", "4 clips"),
            ("done", "1 conformed, 3 kept"),
        ]
        film = probe_clip(out)
        assert film.fps == 25 and abs(film.seconds - (1 + 2 + 1 + 1)) <= 1 / 25
        assert_in_sync(film, out, Fraction(25))

        # another format (a deliverable's 9:16, or another fps) is conformed beside, under its own digest
        third = asyncio.run(cut_stored(store, parts, out, (320, 180), 30))
        assert third.conformed == 4 and len(conformed_files(project)) == 9


@pytest.mark.slow
def test_a_damaged_conformed_clip_is_found_and_made_again(tmp_path):
    project = tmp_path / "project"
    out = project / "out" / "film.mp4"
    sources = tmp_path / "src"
    sources.mkdir()
    with Store(project, create=True) as store:
        parts = stored(store, mixed(sources))
        asyncio.run(cut_stored(store, parts, out, (320, 180), 32))
        damaged = store.conformed.path(parts[0].key, FilmFormat.of((320, 180), 32).digest)
        data = bytearray(damaged.read_bytes())
        data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)  # same size: only the sha256 can tell
        damaged.write_bytes(bytes(data))
        again = asyncio.run(cut_stored(store, parts, out, (320, 180), 32))
        assert (again.conformed, again.kept) == (1, 2)
        record = store.conformed.get(parts[0].key, FilmFormat.of((320, 180), 32).digest)
        assert record is not None and record.file.size == damaged.stat().st_size
        from storyboard.store.cliprecords import file_sha256

        assert (
            record.file.sha256 == file_sha256(damaged)
            and record.source_sha256 == store.records.get(parts[0].key).sha256
        )

        # a clip made anew under its key (a --replace) is conformed anew: the record names its source
        replacement = clip(sources / "z.mp4", "320x180", "25", 1.0, tone=990)
        store.put_clip(parts[0].key, replacement, move=False)
        parts[0] = StoredClip(parts[0].path, probe_clip(parts[0].path), parts[0].key, 1)
        third = asyncio.run(cut_stored(store, parts, out, (320, 180), 32))
        assert (third.conformed, third.kept) == (1, 2)


def test_the_cut_has_a_row_in_the_builds_progress():
    from rich.console import Console

    from storyboard.cli.progress import BuildProgress

    stream = io.StringIO()
    with BuildProgress(["open"], {}, Console(file=stream, force_terminal=False)) as progress:
        progress("open", "done", "")
        progress(ROW, "conforming", "1/2")
        progress(f"wide/{ROW}", "up to date", "")
    assert progress.order == ["open", ROW, f"wide/{ROW}"]
    events = [line.split(" ", 1)[1] for line in stream.getvalue().splitlines()]  # after the timestamp
    assert events == ["open done", "(cut) conforming: 1/2", "wide/(cut) up to date"]


BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
shots:
  - id: open
    prompt: The cafe at dawn.
  - id: pour
    prompt: A pour.
    sound: true
"""


@pytest.mark.slow
def test_a_build_reports_its_cut_and_a_rebuild_says_it_is_up_to_date(project):
    from storyboard.ops import build

    path = project.write(BOARD)
    seen: list[tuple[str, str, str]] = []
    result = build(project.compile(), report=lambda *row: seen.append(row))
    assert result.ok and result.cut_method == "copy"  # the local renders are in the film's format
    assert [r for r in seen if r[0] == ROW] == [(ROW, "joining", "2 clips"), (ROW, "done", "stream copy")]
    assert not (project.root / ".storyboard" / "conformed").exists()
    seen.clear()
    again = build(project.compile(), report=lambda *row: seen.append(row))
    assert again.cut_method == "up to date" and [r for r in seen if r[0] == ROW] == [(ROW, "up to date", "")]
    assert path.is_file()


@pytest.mark.slow
def test_a_clip_that_cannot_be_conformed_stops_the_cut_and_leaves_nothing(tmp_path):
    from storyboard.errors import RenderError

    project = tmp_path / "project"
    sources = tmp_path / "src"
    sources.mkdir()
    broken = sources / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    with Store(project, create=True) as store:
        parts = stored(store, mixed(sources))
        key = "broken".ljust(64, "0")
        parts.append(StoredClip(store.put_clip(key, broken, move=False), parts[0].info, key, 1))  # probed as a clip
        out = project / "out" / "film.mp4"
        with pytest.raises(RenderError, match="conforming"):
            asyncio.run(cut_stored(store, parts, out, (320, 180), 32))
        assert not out.exists() and not any((project / ".storyboard" / "tmp").iterdir())
        assert store.conformed.get(key, FilmFormat.of((320, 180), 32).digest) is None
