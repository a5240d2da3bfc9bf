"""Where a build writes: never onto the storyboard, an input, the store, a device or outside the folder.

Each hostile `output:` is refused by `check` (O001-O006) and by `build` before anything is
rendered, and the file system is asserted afterwards: the storyboard, its inputs and the
target untouched, nothing written outside the project. No test points a build at a real
device: a FIFO and a link to a file outside the project stand in for one.
"""

from __future__ import annotations

import hashlib
import os
import stat
import textwrap
from pathlib import Path

import pytest

from storyboard.cut import cut_film
from storyboard.errors import RenderError
from tests.conftest import Project


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: regular files by content, anything else by its kind."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        mode = os.lstat(path).st_mode
        if stat.S_ISREG(mode):
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif not stat.S_ISDIR(mode):
            out[path.relative_to(folder).as_posix()] = f"mode {stat.S_IFMT(mode):o}"
    return out


def board(output: str) -> str:
    return f"""
        version: 1
        assets:
          dance: refs/dance.mp4
        settings:
          resolution: 480p
          output: {output}
        shots:
          - {{id: a, prompt: '@dance moves', motion: dance}}
        """


HOSTILE = {
    "the storyboard": ("storyboard.yaml", "O004"),
    "an input": ("refs/dance.mp4", "O003"),
    "the journal": (".storyboard/state.db", "O002"),
    "the store as a film": (".storyboard/x.mp4", "O002"),
    "outside, by ..": ("../outside/x.mp4", "O001"),
    "outside, absolute": ("{outside}/x.mp4", "O001"),
    "a timeline's name": ("out/film.otio", "O004"),
}


@pytest.mark.parametrize("output, code", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_output_is_refused_and_nothing_is_written(project: Project, output: str, code: str) -> None:
    root = project.root / "p"
    root.mkdir()
    (project.root / "refs").rename(root / "refs")
    outside = project.root / "outside"
    outside.mkdir()
    (root / ".storyboard").mkdir()
    (root / ".storyboard" / "state.db").write_bytes(b"the journal")
    path = root / "storyboard.yaml"
    path.write_text(textwrap.dedent(board(output.format(outside=outside))).lstrip("\n"), encoding="utf-8")
    before, before_outside = snapshot(root), snapshot(outside)

    checked = project.cli("check", str(path))
    assert checked.exit_code == 1 and f"error[{code}]" in checked.output, checked.output
    built = project.cli("build", str(path))
    assert built.exit_code == 1 and code in built.output, built.output
    assert "Traceback" not in checked.output + built.output
    assert snapshot(root) == before  # the storyboard, its inputs and the store untouched, no out/
    assert snapshot(outside) == before_outside == {}


@pytest.mark.parametrize("sidecar", ["out/film.mp4", "out/film.html", "out/film.otio"])
def test_a_fifo_where_the_film_or_a_sidecar_goes_is_refused_and_stays_a_fifo(project: Project, sidecar: str) -> None:
    (project.root / "out").mkdir()
    fifo = project.root / sidecar
    os.mkfifo(fifo)
    path = project.write(board("out/film.mp4"))
    result = project.cli("build", str(path))
    assert result.exit_code == 1 and "O005" in result.output and "a FIFO" in result.output, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in (project.root / "out").iterdir()) == [fifo.name]


def test_a_link_to_a_file_outside_is_refused(project: Project, tmp_path_factory: pytest.TempPathFactory) -> None:
    victim = tmp_path_factory.mktemp("elsewhere") / "victim.mp4"
    victim.write_bytes(b"not yours")
    (project.root / "out").mkdir()
    (project.root / "out" / "film.mp4").symlink_to(victim)
    path = project.write(board("out/film.mp4"))
    result = project.cli("build", str(path))
    assert result.exit_code == 1 and "O001" in result.output, result.output
    assert victim.read_bytes() == b"not yours"
    assert (project.root / "out" / "film.mp4").is_symlink()


def test_an_empty_cut_is_an_error_not_a_silent_build(project: Project) -> None:
    path = project.write("version: 1\nshots: [{id: a, prompt: x}]\ncut: []\n")
    result = project.cli("build", str(path))
    assert result.exit_code == 1 and "O006" in result.output, result.output
    assert not (project.root / "out").exists() and not (project.root / ".storyboard" / "clips").exists()


def test_the_cut_never_renames_over_what_appeared_since_check(media_dir: Path, tmp_path: Path) -> None:
    # `check` saw nothing there; a FIFO appeared before the cut: the last guard refuses it
    target = tmp_path / "film.mp4"
    os.mkfifo(target)
    with pytest.raises(RenderError, match="not a regular file"):
        cut_film([media_dir / "dance.mp4"], target, (320, 180))
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["film.mp4"]  # no temporary left behind


def test_a_safe_custom_output_builds_with_its_sidecars_beside_it(project: Project) -> None:
    path = project.write(board("films/launch.mp4"))
    result = project.cli("build", str(path))
    assert result.exit_code == 0, result.output
    films = project.root / "films"
    assert sorted(p.name for p in films.iterdir()) == [
        "launch",
        "launch.build.json",
        "launch.html",
        "launch.mp4",
        "launch.otio",
        "launch.thumbs",
    ]


def test_the_default_output_is_checked_too_it_never_overwrites_an_input(project: Project) -> None:
    """Without `output:`, out/<stem>.mp4 and its sidecars must still miss every input (a captions file
    named like the film's .srt sidecar) and every non-file (a folder where the review page goes)."""
    (project.root / "out").mkdir()
    (project.root / "out" / "storyboard.srt").write_text("1\n00:00:00,500 --> 00:00:01,000\nHi\n")
    diags = project.diagnostics("""
        version: 1
        captions: {file: out/storyboard.srt}
        shots: [{id: a, prompt: x}]
    """)
    (error,) = [d for d in diags if d.code == "O003"]
    assert "default output" in error.message and "out/storyboard.srt" in error.message
    assert (error.location.line, error.location.column) == (1, 1)
    (project.root / "out" / "storyboard.srt").unlink()
    (project.root / "out" / "storyboard.html").mkdir()
    diags = project.diagnostics("version: 1\nsettings: {duration: 3}\nshots: [{id: a, prompt: x}]\n")
    (error,) = [d for d in diags if d.code == "O005"]
    assert "a folder" in error.message and error.location.line == 2
