"""What `check` accepts, a local `build` renders: user text and repeated inputs that once broke ffmpeg."""

from __future__ import annotations

import pytest

from storyboard.media.probe import probe_clip
from tests.conftest import Project

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
characters:
  Mara: {images: [refs/a.png, refs/a.png]}
shots:
  - id: percent
    prompt: "50% off, 100%% sure, %{pts} and \\\\ backslash: colon 'quote'"
  - id: same-frames
    prompt: The same image first and last.
    first_frame: refs/b.png
    last_frame: refs/b.png
  - id: same-keyframes
    prompt: One image, four times.
    duration: 6
    first_frame: refs/b.png
    keyframes: [{at: 2, image: refs/b.png}, {at: 4, image: refs/b.png}]
    last_frame: refs/b.png
  - id: same-in-a-group
    prompt: "@Mara, twice the same picture"
  - id: {long}
    prompt: An id as long as an id may be.
""".replace("{long}", "x" * 64)


@pytest.mark.slow
def test_text_and_repeated_inputs_that_check_accepts_render(project: Project) -> None:
    path = project.write(BOARD)
    checked = project.cli("check", str(path))
    assert checked.exit_code == 0, checked.output
    built = project.cli("build", str(path))
    assert built.exit_code == 0, built.output
    assert "5 built, 0 cached, 0 failed" in built.output
    film = project.root / "out" / "storyboard.mp4"
    assert probe_clip(film).seconds == pytest.approx(3 + 3 + 6 + 3 + 3, abs=0.1)
