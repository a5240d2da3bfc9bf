"""The film's sound, measured with ffmpeg's own analysers: astats for levels per span, ebur128 for loudness."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from storyboard.cut.sound import Track, duck_curve, ducked_spans, mix
from storyboard.errors import RenderError
from tests.conftest import Project, ffmpeg, ffmpeg_exe

SECONDS = 9.0


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 9 s film whose middle shot (3-6 s) has a 2 kHz sound of its own, a 200 Hz bed and a 600 Hz voice."""
    folder = tmp_path_factory.mktemp("sound")
    film, bed, voice, mute = (folder / n for n in ("film.mp4", "bed.wav", "voice.wav", "mute.mp4"))
    video = ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=32:d=9"]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000"]
    ffmpeg(*video, "-f", "lavfi", "-i", "sine=f=2000:d=3,adelay=3000:all=1,apad=whole_dur=9", *encode, "-t", "9",
           str(film))  # fmt: skip
    ffmpeg(*video, "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", *encode, "-t", "9", str(mute))
    ffmpeg("-f", "lavfi", "-i", "sine=f=200:d=9", "-ar", "48000", str(bed))
    ffmpeg("-f", "lavfi", "-i", "sine=f=600:d=1", "-ar", "48000", str(voice))
    return {"film": film, "bed": bed, "voice": voice, "mute": mute}


def rms(path: Path, start: float, end: float, band: str) -> float:
    """The RMS level (dB) of ``path``'s sound between ``start`` and ``end``, through the filter ``band``."""
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-ss", f"{start}", "-t", f"{end - start}", "-i", str(path),
            "-af", f"{band},astats=measure_perchannel=none", "-f", "null", "-"]  # fmt: skip
    err = subprocess.run(args, capture_output=True, text=True, check=True).stderr
    levels = re.findall(r"RMS level dB: (-?[\d.]+|-inf)", err)
    assert levels, err[-2000:]
    return float(levels[-1])


def integrated(path: Path) -> float:
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-af", "ebur128", "-f", "null", "-"]
    err = subprocess.run(args, capture_output=True, text=True, check=True).stderr
    found = re.findall(r"I:\s+(-?[\d.]+) LUFS", err)
    assert found, err[-2000:]
    return float(found[-1])


def video_md5(path: Path) -> str:
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v", "-c", "copy", "-f", "md5", "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


BED = "lowpass=f=400,lowpass=f=400"  # the 200 Hz bed alone: the shot's 2 kHz sound filtered out
VOICE = "bandpass=f=600:width_type=q:w=8,bandpass=f=600:width_type=q:w=8"


def test_the_bed_is_ducked_by_its_duck_under_the_shot_with_sound(media: dict[str, Path], tmp_path: Path) -> None:
    out = mix(media["film"], tmp_path / "mixed.mp4", [Track(media["bed"], volume=-6, duck=-9)], seconds=SECONDS,
              sound_spans=[(3.0, 6.0)])  # fmt: skip
    before, under, after = (rms(out, a, b, BED) for a, b in ((0.5, 2.5), (3.5, 5.5), (6.5, 8.5)))
    assert before == pytest.approx(after, abs=0.5)
    assert before - under == pytest.approx(9.0, abs=1.0)  # ducked by 9 dB, not by what a compressor felt like
    assert video_md5(out) == video_md5(media["film"])  # the video is copied, never encoded


def test_an_unducked_bed_keeps_its_level_and_its_volume(media: dict[str, Path], tmp_path: Path) -> None:
    loud = mix(media["film"], tmp_path / "a.mp4", [Track(media["bed"])], seconds=SECONDS, sound_spans=[(3, 6)])
    quiet = mix(media["film"], tmp_path / "b.mp4", [Track(media["bed"], volume=-12)], seconds=SECONDS)
    assert rms(loud, 0.5, 2.5, BED) == pytest.approx(rms(loud, 3.5, 5.5, BED), abs=0.5)
    assert rms(loud, 0.5, 2.5, BED) - rms(quiet, 0.5, 2.5, BED) == pytest.approx(12.0, abs=0.5)


def test_a_voice_over_starts_at_its_time(media: dict[str, Path], tmp_path: Path) -> None:
    out = mix(media["film"], tmp_path / "vo.mp4", [Track(media["voice"], at=5.0)], seconds=SECONDS)
    assert rms(out, 5.1, 5.9, VOICE) - rms(out, 3.6, 4.8, VOICE) > 30  # silent before 5 s, there after


def test_a_file_longer_than_the_film_is_cut_to_it(media: dict[str, Path], tmp_path: Path) -> None:
    out = mix(media["film"], tmp_path / "late.mp4", [Track(media["voice"], at=8.5)], seconds=SECONDS)
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(out), "-map", "0:a", "-f", "null", "-"]
    err = subprocess.run(args, capture_output=True, text=True, check=True).stderr
    ends = re.findall(r"time=(\d+):(\d+):([\d.]+)", err)
    h, m, s = ends[-1]
    assert int(h) * 3600 + int(m) * 60 + float(s) == pytest.approx(SECONDS, abs=0.05)


@pytest.mark.slow  # two ffmpeg passes and an ebur128 scan each
@pytest.mark.parametrize("target", [-14.0, -23.0])
def test_loudness_lands_within_one_lu_of_the_target(media: dict[str, Path], tmp_path: Path, target: float) -> None:
    out = mix(media["film"], tmp_path / "loud.mp4", [Track(media["bed"], duck=-9)], seconds=SECONDS,
              sound_spans=[(3, 6)], loudness=target)  # fmt: skip
    assert integrated(out) == pytest.approx(target, abs=1.0)


def test_loudness_alone_normalises_the_films_own_sound(media: dict[str, Path], tmp_path: Path) -> None:
    out = mix(media["film"], tmp_path / "own.mp4", [], seconds=SECONDS, loudness=-16)
    assert integrated(out) == pytest.approx(-16, abs=1.0)


def test_a_silent_film_has_no_loudness_to_set_and_nothing_is_written(media: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="silent"):
        mix(media["mute"], tmp_path / "never.mp4", [], seconds=SECONDS, loudness=-16)
    assert list(tmp_path.iterdir()) == []


def test_touching_spans_duck_as_one_and_the_curve_is_one_outside_them() -> None:
    assert ducked_spans([(6, 9), (3, 6), (1, 1), (10, 12)]) == [(3, 9), (10, 12)]
    assert duck_curve([], -9) == "1"
    assert duck_curve([(3, 6), (6, 9)], -9).count("clip(") == 1


SILENT_BOARD = """
version: 1
settings: {resolution: 480p, duration: 3, loudness: -16}
shots:
  - {id: a, prompt: the first shot}
  - {id: b, prompt: the second shot}
"""


@pytest.mark.slow  # builds a film
def test_a_loudness_target_on_a_film_without_sound_is_a_warning_on_every_build(project: Project) -> None:
    """No soundtrack and no shot with sound of its own: nothing to normalise, and the user is told so,
    when the film is cut and when a later build finds it up to date; the film is written all the same."""
    path = project.write(SILENT_BOARD)
    for method in ("copy", "up to date"):
        result = project.cli("build", str(path))
        assert result.exit_code == 0, result.output
        assert f"({method})" in result.output
        warned = [line for line in result.output.splitlines() if "warning:" in line]
        assert len(warned) == 1 and "`settings.loudness` was not applied: the film has no sound" in warned[0]
    assert (project.root / "out" / "storyboard.mp4").is_file()
    path.write_text(path.read_text().replace("the second shot}", "the second shot, sound: true}"))
    loud = project.cli("build", str(path))
    assert loud.exit_code == 0, loud.output
    assert "warning:" not in loud.output  # a shot with sound: its loudness is set, nothing to say
    assert integrated(project.root / "out" / "storyboard.mp4") == pytest.approx(-16, abs=1.0)
