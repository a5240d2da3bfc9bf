"""Captions: a subtitle stream players and editors read, a sidecar .srt, or text burned into the picture."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest

from storyboard.cut.captions import attach, sidecar
from tests.conftest import Project, build_clean, compiled_of, ffmpeg, ffmpeg_exe

SRT = "1\n00:00:00,500 --> 00:00:02,000\nHello there\n\n2\n00:00:02,200 --> 00:00:02,600\nAgain\n"
VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello there\n"


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("captions")
    out = folder / "film.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=320x180:r=32:d=3", "-f", "lavfi", "-i", "sine=d=3",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "3", str(out))  # fmt: skip
    return out


def frame(video: Path, at: float) -> bytes:
    args = [ffmpeg_exe(), "-loglevel", "error", "-ss", f"{at}", "-i", str(video), "-frames:v", "1",
            "-f", "rawvideo", "-pix_fmt", "gray", "-"]  # fmt: skip
    return subprocess.run(args, check=True, capture_output=True).stdout


def test_captions_are_a_subtitle_stream_and_the_picture_is_copied(film: Path, tmp_path: Path) -> None:
    captions = tmp_path / "it's [a], test;.srt"  # a name ffmpeg's option syntax would trip on
    captions.write_text(SRT)
    out = attach(film, tmp_path / "with.mp4", captions)
    with av.open(str(out)) as container:
        (stream,) = container.streams.subtitles
        assert stream.codec_context.name == "mov_text"
        texts = [bytes(p) for p in container.demux(stream) if p.size]
    assert any(b"Hello there" in t for t in texts) and any(b"Again" in t for t in texts)
    assert frame(out, 1.0) == frame(film, 1.0)


def test_burned_captions_are_drawn_while_they_show_and_gone_after(film: Path, tmp_path: Path) -> None:
    captions = tmp_path / "c.srt"
    captions.write_text(SRT)
    out = attach(film, tmp_path / "burned.mp4", captions, burn=True)
    with av.open(str(out)) as container:
        assert not container.streams.subtitles

    def differing(a: bytes, b: bytes) -> int:
        return sum(abs(x - y) > 40 for x, y in zip(a, b, strict=True))

    assert differing(frame(out, 1.0), frame(film, 1.0)) > 50  # the glyphs of "Hello there" on the blue picture
    assert differing(frame(out, 2.8), frame(film, 2.8)) < 10  # after the last caption: the picture alone


def test_the_sidecar_is_subrip_whatever_the_source(film: Path, tmp_path: Path) -> None:
    vtt = tmp_path / "c.vtt"
    vtt.write_text(VTT)
    (tmp_path / "out").mkdir()
    written = sidecar(vtt, tmp_path / "out" / "film.mp4")
    assert written == tmp_path / "out" / "film.srt"
    text = written.read_text()
    assert "00:00:00,500 --> 00:00:02,000" in text and "Hello there" in text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["film.srt"]  # no temporary left


BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
shots:
  - {id: a, prompt: the only shot}
captions: {file: refs/film.srt, burn: false}
"""


@pytest.mark.slow  # builds a film twice
def test_burned_captions_are_drawn_into_the_built_film_and_no_subtitle_stream_is_left(project: Project) -> None:
    """The same film built with its captions as a stream, then burned: the picture differs only while a
    caption shows, and the burned film has no subtitle stream (its sidecar .srt stays)."""
    from storyboard.ops import build

    (project.root / "refs" / "film.srt").write_text(SRT, encoding="utf-8")
    path = project.write(BOARD)
    film = project.root / "out" / "storyboard.mp4"
    assert build_clean(project, path).ok
    with av.open(str(film)) as container:
        assert [s.codec_context.name for s in container.streams.subtitles] == ["mov_text"]
    plain = {at: frame(film, at) for at in (1.0, 2.8)}
    path.write_text(path.read_text().replace("burn: false", "burn: true"))
    burned = build(compiled_of(path))
    assert burned.ok and burned.films[0].film.method != "up to date"  # burning re-cuts the film
    assert {r.status for r in burned.run.shots.values()} == {"cached"}  # the same clip: only the captions differ
    with av.open(str(film)) as container:
        assert not container.streams.subtitles

    def differing(a: bytes, b: bytes) -> int:
        return sum(abs(x - y) > 40 for x, y in zip(a, b, strict=True))

    assert differing(frame(film, 1.0), plain[1.0]) > 200  # "Hello there" drawn over the shot
    assert differing(frame(film, 2.8), plain[2.8]) < 20  # after the last caption: the shot alone
    assert (project.root / "out" / "storyboard.srt").read_text(encoding="utf-8") == SRT
