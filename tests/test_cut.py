"""The cut: stream copy for matching clips (no re-encode), normalising for the rest."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from storyboard.cut import cut_film, film_sequence, holds_whole_video
from storyboard.media.probe import ClipInfo, probe_clip

from .conftest import ffmpeg


def clip(path, size="320x180", rate=32, seconds=2, audio=True, tone=440):
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f={tone}:r=48000:d={seconds}", "-c:a", "aac", "-ac", "2", "-ar", "48000"]
    ffmpeg(*args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest", str(path))
    return path


def video_packets(path):
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def nal_units(packet: bytes) -> list[bytes]:
    """The NAL units of an mp4 (length-prefixed) H.264 packet."""
    units, i = [], 0
    while i + 4 <= len(packet):
        n = int.from_bytes(packet[i : i + 4], "big")
        units.append(packet[i + 4 : i + 4 + n])
        i += 4 + n
    return units


@pytest.mark.slow
def test_matching_clips_are_stream_copied(tmp_path):
    clips = [clip(tmp_path / f"c{i}.mp4", tone=300 + 100 * i) for i in range(3)]
    result = cut_film(clips, tmp_path / "film.mp4", (320, 180))
    assert result.method == "copy"
    expected = [p for c in clips for p in video_packets(c)]
    got = video_packets(result.film)
    assert len(got) == len(expected)
    for before, after in zip(expected, got, strict=True):
        # the very same coded pictures: nothing re-encoded. The concat demuxer may repeat
        # the parameter sets (SPS 7 / PPS 8) in-band at the start of each clip.
        extra = [n for n in nal_units(after) if n not in nal_units(before)]
        assert all(nal[0] & 0x1F in (7, 8) for nal in extra)
        assert [n for n in nal_units(after) if n[0] & 0x1F not in (7, 8)] == [
            n for n in nal_units(before) if n[0] & 0x1F not in (7, 8)
        ]
    info = probe_clip(result.film)
    assert abs(info.seconds - 6) <= 1 / 32
    assert abs(info.audio_seconds - info.seconds) <= 1 / 32 + 0.03


@pytest.mark.slow
def test_mismatched_clips_are_normalised_into_a_playable_film(tmp_path):
    clips = [
        clip(tmp_path / "a.mp4", size="320x180", rate=32, seconds=2),
        clip(tmp_path / "b.mp4", size="180x320", rate=25, seconds=3),
        clip(tmp_path / "c.mp4", size="640x360", rate=30, seconds=2, audio=False),
    ]
    result = cut_film(clips, tmp_path / "out" / "film.mp4", (640, 360))
    assert result.method == "normalise"
    info = probe_clip(result.film)
    assert (info.width, info.height, info.fps) == (640, 360, 32)
    assert abs(info.seconds - 7) <= 3 / 32
    assert info.audio_seconds is not None and abs(info.audio_seconds - info.seconds) <= 1 / 32 + 0.03
    with av.open(str(result.film)) as container:  # decodes from start to end
        frames = sum(1 for _ in container.decode(video=0))
    assert abs(frames - 7 * 32) <= 3


def _info(seconds):
    return ClipInfo(seconds, seconds, 320, 180, 32, "h264", "yuv420p", "aac", 48000, 2)


@pytest.mark.parametrize(
    ("child_seconds", "whole"), [(5.0, False), (10.0, True), (10.1, True), (5.5, False), (9.0, True)]
)
def test_an_extension_holding_the_whole_video_replaces_its_parent(child_seconds, whole):
    infos = {"pour": _info(5.0), "wide": _info(child_seconds), "end": _info(3.0)}
    assert holds_whole_video(child_seconds, 5.0, new_seconds=5.0) is whole
    seq = film_sequence(["pour", "wide", "end"], {"wide": "pour"}, infos, {"wide": 5.0})
    assert seq == (["wide", "end"] if whole else ["pour", "wide", "end"])
    assert film_sequence(["pour", "end"], {"wide": "pour"}, infos, {"wide": 5.0}) == ["pour", "end"]


def test_outputs_are_written_through_temporary_files_of_their_own(tmp_path: Path) -> None:
    """Two builds that cut one film at once must not share a temporary name (one would rename
    away the file the other is still writing): every temporary is new and unique."""
    import os
    import stat

    from storyboard.cut.files import temp_beside

    target = tmp_path / "out" / "film.html"
    first, second = temp_beside(target), temp_beside(target)
    assert first != second and first.parent == second.parent == target.parent
    assert first.suffix == ".html" and temp_beside(target, ".jpg").suffix == ".jpg"
    old = os.umask(0o022)
    try:
        mode = stat.S_IMODE(temp_beside(target).stat().st_mode)
    finally:
        os.umask(old)
    assert mode == 0o644  # an ordinary file, not mkstemp's 0600
    assert not target.exists()
