"""Interrupts: Ctrl-C, SIGTERM and kill -9 of a build stop it cleanly, leave nothing running and nothing behind.

Each test runs ``python -m storyboard build`` in a process of its own, waits (polling, with a
deadline) until ffmpeg is at work, sends the signal, and then looks at the processes and the
file system: no ffmpeg whose command line mentions the test's folder, no temporary in
``.storyboard/tmp`` or beside the film, the storyboard and its inputs as they were.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from storyboard.media.probe import probe_clip
from storyboard.store.sweep import scratch, sweep
from tests.conftest import BuiltOnce, Project

REPO = Path(__file__).resolve().parent.parent
DEADLINE = 120.0

RENDERS = """
version: 1
settings: {provider: local, resolution: 720p, duration: 10}
shots:
  - id: a
    prompt: The first long shot.
    first_frame: refs/a.png
  - id: b
    prompt: The second long shot.
"""
# sizes differ, so the cut re-encodes (seconds long: long enough to be interrupted)
CUTS = """
version: 1
settings: {provider: local, resolution: 720p, duration: 3}
shots:
  - id: a
    prompt: Small.
    resolution: 480p
  - id: b
    prompt: Middle.
  - id: c
    prompt: Large.
    resolution: 1080p
"""
PAIRS = """
version: 1
settings: {provider: local, resolution: 480p, duration: 3}
shots:
  - id: a
    prompt: One.
  - id: b
    prompt: Two.
    resolution: 720p
"""
NOISE = ("Traceback", "Exception ignored", "Event loop is closed")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a test runner's worker may ignore Ctrl-C; the build must not


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `storyboard build &` in a script: only SIGTERM stops it


def start(path: Path, *, sigint: Callable[[], None] = _default_sigint) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "storyboard", "build", str(path)],
        cwd=path.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=sigint,
    )


def finish(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    _, err = process.communicate(timeout=DEADLINE)
    return process.returncode, err.decode(errors="replace")


def ffmpegs(root: Path, needle: str = "") -> list[int]:
    """Live (not zombie) ffmpeg processes whose command line mentions ``root`` (and ``needle``)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        program = os.path.basename(cmdline.split(b"\0", 1)[0])
        if b"ffmpeg" in program and os.fsencode(root) in cmdline and needle.encode() in cmdline and state != "Z":
            found.append(int(entry))
    return found


def wait_for(condition: Callable[[], object], what: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert process is None or process.poll() is None, f"the build ended before {what}: {finish(process)}"
        assert time.monotonic() < deadline, f"no {what} within {DEADLINE} s"
        time.sleep(0.02)


def leftovers(root: Path) -> list[str]:
    """Temporaries: anything in .storyboard/tmp, any dot-file beside the film or its thumbnails."""
    tmp = root / ".storyboard" / "tmp"
    found = [f"tmp/{name}" for name in (os.listdir(tmp) if tmp.is_dir() else [])]
    for folder in (root, root / "out", *(root / "out").glob("*.thumbs")):
        if folder.is_dir():
            found += [str(p.relative_to(root)) for p in folder.iterdir() if p.name.startswith(".") and p.is_file()]
            found += [str(p.relative_to(root)) for p in folder.glob("tmp*")]
    return found


def digests(root: Path) -> dict[str, str]:
    """The storyboard and its inputs, by content."""
    files = [root / "storyboard.yaml", *sorted((root / "refs").iterdir())]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def assert_clean(root: Path, code: int, err: str, expected: int) -> None:
    assert code == expected, err
    assert not [word for word in NOISE if word in err], err
    assert ffmpegs(root) == []  # killed and reaped before the build exited: no polling
    assert leftovers(root) == []


@pytest.mark.parametrize(
    ("sig", "code", "sigint"),
    [
        (signal.SIGINT, 130, _default_sigint),
        (signal.SIGTERM, 130, _default_sigint),
        (signal.SIGTERM, 130, _ignore_sigint),
    ],
    ids=["SIGINT", "SIGTERM", "SIGTERM with SIGINT ignored"],
)
def test_a_signal_while_ffmpeg_renders_stops_the_build_cleanly(
    project: Project, sig: int, code: int, sigint: Callable[[], None]
) -> None:
    path = project.write(RENDERS)
    before = digests(project.root)
    process = start(path, sigint=sigint)
    wait_for(lambda: ffmpegs(project.root), "ffmpeg render", process)
    process.send_signal(sig)
    got, err = finish(process)
    assert_clean(project.root, got, err, code)
    assert "interrupted" in err or "terminated" in err
    assert digests(project.root) == before
    assert not (project.root / "out" / "storyboard.mp4").exists()


@pytest.mark.slow
def test_kill_9_takes_ffmpeg_along_and_the_next_build_sweeps_what_it_left(project: Project) -> None:
    path = project.write(RENDERS)
    before = digests(project.root)
    process = start(path)
    wait_for(lambda: ffmpegs(project.root), "ffmpeg render", process)
    renders = ffmpegs(project.root)
    process.send_signal(signal.SIGKILL)
    assert finish(process)[0] == -signal.SIGKILL
    wait_for(lambda: not set(renders) & set(ffmpegs(project.root)), "end of the orphaned ffmpeg")  # PDEATHSIG
    left = leftovers(project.root)
    assert any(name.endswith(".lock") for name in left) and any(not name.endswith(".lock") for name in left), left
    code, err = finish(start(path))
    assert code == 0, err
    assert leftovers(project.root) == []
    assert abs(probe_clip(project.root / "out" / "storyboard.mp4").seconds - 20.0) < 0.2
    assert digests(project.root) == before


def built_cuts(built_once: BuiltOnce) -> tuple[Project, Path, bytes]:
    def make(project: Project, path: Path) -> None:
        result = project.cli("build", str(path))
        assert result.exit_code == 0, result.output

    project, path, _ = built_once.get("interrupts-cuts", CUTS, make)
    film = project.root / "out" / "storyboard.mp4"
    old = film.read_bytes()
    os.utime(film, ns=(time.time_ns(), time.time_ns()))  # a touched film is cut again, from the stored clips
    return project, path, old


@pytest.mark.slow
def test_ctrl_c_during_the_cut_keeps_the_old_film(built_once: BuiltOnce) -> None:
    project, path, old = built_cuts(built_once)
    process = start(path)
    wait_for(lambda: ffmpegs(project.root, "/out/.storyboard-"), "ffmpeg cutting", process)
    process.send_signal(signal.SIGINT)
    code, err = finish(process)
    assert_clean(project.root, code, err, 130)
    assert (project.root / "out" / "storyboard.mp4").read_bytes() == old


@pytest.mark.slow
def test_kill_9_during_the_cut_keeps_the_old_film_and_the_next_build_sweeps_the_half_cut(
    built_once: BuiltOnce,
) -> None:
    project, path, old = built_cuts(built_once)
    process = start(path)
    wait_for(lambda: ffmpegs(project.root, "/out/.storyboard-"), "ffmpeg cutting", process)
    process.send_signal(signal.SIGKILL)
    assert finish(process)[0] == -signal.SIGKILL
    wait_for(lambda: not ffmpegs(project.root), "end of the orphaned ffmpeg")
    assert (project.root / "out" / "storyboard.mp4").read_bytes() == old
    assert any(name.startswith("out/.storyboard-build-") for name in leftovers(project.root))
    code, err = finish(start(path))
    assert code == 0, err
    assert leftovers(project.root) == []
    assert abs(probe_clip(project.root / "out" / "storyboard.mp4").seconds - 9.0) < 0.2


def test_a_sweep_leaves_a_live_build_alone(project: Project) -> None:
    path = project.write(RENDERS)
    process = start(path)
    wait_for(lambda: ffmpegs(project.root), "ffmpeg render", process)
    tmp = project.root / ".storyboard" / "tmp"
    live = sorted(os.listdir(tmp))
    assert sweep(tmp) == 0
    assert sorted(os.listdir(tmp)) == live
    code, err = finish(process)
    assert code == 0, err
    assert leftovers(project.root) == []


def test_the_sweep_removes_dead_builds_files_and_only_theirs(tmp_path: Path) -> None:
    tmp, out = tmp_path / ".storyboard" / "tmp", tmp_path / "out"
    out.mkdir(parents=True)
    keep = [out / "film.mp4", out / ".hidden-of-the-user", out / "tmp-notes.txt"]
    for file in keep:
        file.write_text("the user's")
    with scratch(tmp) as dead:
        dead.note(out)
        (dead.folder / "a-render").mkdir()
        (dead.folder / "a-render" / "a.mp4").write_bytes(b"half a render")
        (out / f".film-{dead.token}-x1y2.mp4").write_bytes(b"half a film")
        dead._fd, fd = None, dead._fd  # as kill -9 leaves it: nothing removed, the lock dropped
        assert fd is not None
        os.close(fd)
    live = tmp / "build-0123456789ab.lock"
    (tmp / "build-0123456789ab").mkdir()
    held = os.open(live, os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    (tmp / "old-style-render").mkdir()  # from a version before tokens: kept while another build runs
    try:
        assert sweep(tmp) == 1
        assert sorted(os.listdir(tmp)) == ["build-0123456789ab", "build-0123456789ab.lock", "old-style-render"]
    finally:
        os.close(held)
    assert sweep(tmp) == 2  # now nobody holds the lock: its files and the old-style folder go
    assert os.listdir(tmp) == []
    assert sorted(out.iterdir()) == sorted(keep)


@pytest.mark.slow
def test_two_builds_of_one_folder_at_once_both_succeed(project: Project) -> None:
    path = project.write(PAIRS)
    for _ in range(5):
        for made in (project.root / ".storyboard", project.root / "out"):
            shutil.rmtree(made, ignore_errors=True)
        first, second = start(path), start(path)
        results = [finish(first), finish(second)]
        assert [code for code, _ in results] == [0, 0], results
        assert not [word for err in results for word in NOISE if word in err[1]], results
        assert leftovers(project.root) == []
        assert abs(probe_clip(project.root / "out" / "storyboard.mp4").seconds - 6.0) < 0.2
