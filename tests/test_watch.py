"""`storyboard watch`: the local preview rebuilt on every change of an input, never paid for, stopped by Ctrl-C."""

from __future__ import annotations

import hashlib
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyboard.ops.watching import Listener, Rebuild, watch
from tests.conftest import Project, ffmpeg

# the file names a hosted provider and no key is set: a watch that tried to use it would fail
BOARD = """
version: 1
settings: {{provider: wavespeed, resolution: 480p, duration: 3, output: out/film.mp4}}
characters:
  Mara: {{images: [refs/a.png]}}
shots:
  - {{id: open, prompt: The cafe at dawn.}}
  - {{id: pour, prompt: "{pour}"}}
"""


class Recorder(Listener):
    def __init__(self) -> None:
        self.rounds: list[Rebuild] = []

    def built(self, rebuild: Rebuild) -> None:
        self.rounds.append(rebuild)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generated(rebuild: Rebuild) -> dict[str, list[str]]:
    """Shot -> the plan's reasons, for the shots the round generated."""
    assert rebuild.prepared is not None
    return {s.id: s.reasons for s in rebuild.prepared.todo}


def spent(root: Path) -> list[tuple[str, float]]:
    db = sqlite3.connect(root / ".storyboard" / "state.db")
    try:
        return db.execute("SELECT provider, list_usd FROM spend").fetchall()
    finally:
        db.close()


@pytest.mark.slow  # renders previews: four rounds
def test_the_loop_rebuilds_on_an_input_change_only_and_survives_an_invalid_edit(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.endswith("_API_KEY")]:
        monkeypatch.delenv(name)
    path = project.write(BOARD.format(pour="@Mara pours latte art."))
    film = project.root / "out" / "film.mp4"
    recorder = Recorder()
    films: list[str] = []

    def changes() -> Iterator[set[Path]]:
        films.append(digest(film))
        (project.root / "notes.txt").write_text("not an input")
        yield {project.root / "notes.txt", film, project.root / "out" / "film.html"}  # no input: no round
        path.write_text(BOARD.format(pour="@Mara pours a heart."))
        yield {path}
        films.append(digest(film))
        path.write_text("version: 1\nshots: [\n")
        yield {path}
        path.write_text(BOARD.format(pour="@Mara pours a heart."))
        yield {path}
        ffmpeg("-f", "lavfi", "-i", "color=c=purple:s=64x36", "-frames:v", "1", str(project.root / "refs" / "a.png"))
        yield {project.root / "refs" / "a.png"}  # a character's image: the shot that shows her is made anew
        films.append(digest(film))

    rounds = watch(path, listener=recorder, changes=changes())
    assert rounds == 5 == len(recorder.rounds)
    first, edited, invalid, fixed, image = recorder.rounds
    assert first.changed == () and set(generated(first)) == {"open", "pour"}
    assert edited.changed == (path,) and generated(edited) == {"pour": ["prompt changed"]}
    assert not invalid.valid and invalid.result is None and invalid.checked is not None
    assert [d.code for d in invalid.checked.diagnostics.errors] == ["Y001"]
    assert fixed.valid and generated(fixed) == {}  # back as it was built: nothing to make
    assert list(generated(image)) == ["pour"] and any("refs/a.png" in why for why in generated(image)["pour"])
    assert all(r.result is not None and r.result.ok for r in (first, edited, fixed, image))
    assert len(set(films)) == 3  # the film was cut anew after each change that made a shot anew
    assert {p.provider for r in (first, edited) for p in r.prepared.plans.films if r.prepared} == {"local"}
    paid = spent(project.root)
    assert paid and {provider for provider, _ in paid} == {"local"} and sum(usd for _, usd in paid) == 0
    assert (project.root / "out" / "film.html").is_file()  # the review page, kept current by each build


def test_the_loop_ends_when_stopped(project: Project) -> None:
    path = project.write("version: 1\nshots: [\n")  # invalid: the round builds nothing
    stop = threading.Event()
    recorder = Recorder()

    def changes() -> Iterator[set[Path]]:
        stop.set()
        yield {path}
        raise AssertionError("read past the stop")

    assert watch(path, listener=recorder, changes=changes(), stop=stop) == 1
    assert len(recorder.rounds) == 1 and not recorder.rounds[0].valid


def test_the_file_system_is_watched_from_the_start_until_stopped(project: Project) -> None:
    """The default change source (watchfiles) keeps a save made before it is read, and ends on the event."""
    from storyboard.ops.watching import FileChanges

    stop = threading.Event()
    root = project.root.resolve()
    changes = FileChanges(lambda: {root}, stop)
    target = root / "storyboard.yaml"
    target.write_text("version: 1\n")  # before anyone reads: kept
    seen: list[set[Path]] = []
    timer = threading.Timer(30, stop.set)  # were the save never seen, the stop still ends the test
    timer.start()
    for batch in changes:
        seen.append(batch)
        if target in set().union(*seen):
            stop.set()  # the iteration then ends by itself
    timer.cancel()
    assert target in set().union(*seen)


def lines_of(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    out: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            out.put(line.rstrip("\n"))
        out.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return out


def wait_for(out: queue.Queue[str | None], log: list[str], text: str, timeout: float = 120) -> None:
    """Reads lines into ``log`` until one holds ``text``; fails at the deadline or the process's end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = out.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            raise AssertionError("the watcher ended:\n" + "\n".join(log))
        log.append(line)
        if text in line:
            return
    raise AssertionError(f"no {text!r} in time:\n" + "\n".join(log))


@pytest.mark.slow  # a watcher in a process of its own, two builds
def test_storyboard_watch_rebuilds_on_a_save_and_ctrl_c_ends_it(project: Project) -> None:
    path = project.write(BOARD.format(pour="@Mara pours latte art."))
    film = project.root / "out" / "film.mp4"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "storyboard", "watch", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=project.root,
    )
    log: list[str] = []
    try:
        out = lines_of(process)
        wait_for(out, log, "watching")
        first = digest(film)
        assert "2 built, 0 cached, 0 failed; spent $0.00" in log
        del log[:]
        started = time.monotonic()
        path.write_text(BOARD.format(pour="@Mara pours a heart."))
        wait_for(out, log, "watching", timeout=60)
        took = time.monotonic() - started
        assert any("pour" in line and "prompt changed" in line for line in log), log  # the plan names the shot
        assert "1 built, 1 cached, 0 failed; spent $0.00" in log
        assert digest(film) != first
        assert took < 30, took
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
        rest = []
        while (line := out.get(timeout=10)) is not None:
            rest.append(line)
        assert not any("Traceback" in line for line in log + rest), log + rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow  # a watcher in a process of its own
@pytest.mark.parametrize(("sig", "when"), [(signal.SIGINT, "rendering"), (signal.SIGTERM, "watching")])
def test_a_signal_mid_build_or_while_waiting_ends_the_watch_with_130(
    project: Project, sig: signal.Signals, when: str
) -> None:
    path = project.write(BOARD.format(pour="@Mara pours latte art."))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen(
        [sys.executable, "-m", "storyboard", "watch", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=project.root,
    )
    log: list[str] = []
    try:
        out = lines_of(process)
        wait_for(out, log, when)
        process.send_signal(sig)
        assert process.wait(timeout=30) == 130, log
        while (line := out.get(timeout=10)) is not None:
            log.append(line)
        assert not any("Traceback" in line for line in log), log
        scratch = project.root / ".storyboard" / "tmp"
        assert not scratch.exists() or not any(scratch.iterdir())  # a cancelled build left no partial file
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_selection_that_names_nothing_is_a_usage_error_and_nothing_is_built(project: Project) -> None:
    path = project.write(BOARD.format(pour="@Mara pours latte art."))
    result = project.cli("watch", str(path), "--only", "nosuch")
    assert result.exit_code == 2, result.output
    assert "nosuch" in result.output and "Traceback" not in result.output
    assert not (project.root / "out").exists()


def test_the_selectors_narrow_every_round(project: Project) -> None:
    path = project.write(BOARD.format(pour="@Mara pours latte art."))
    recorder = Recorder()

    def changes() -> Iterator[set[Path]]:
        path.write_text(BOARD.format(pour="@Mara pours a heart.").replace("The cafe at dawn.", "The cafe at noon."))
        yield {path}

    assert watch(path, listener=recorder, changes=changes(), exclude=("pour",)) == 2
    first, edited = recorder.rounds
    assert generated(first) == {"open": ["new shot: never built"]}
    assert generated(edited) == {"open": ["prompt changed"]}  # pour's edit waits: it is excluded
    assert spent(project.root) == [("local", 0.0), ("local", 0.0)]
