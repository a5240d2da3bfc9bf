"""Off a terminal a build logs one timestamped line per event, never wrapped; on one it draws the live table."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

import tests.fakes.server
from storyboard.cli.progress import BuildProgress, log_line
from tests.conftest import Project
from tests.hosted_fixtures import Hosted

EVENT = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z) (\S+) ([a-z][a-z ]*[a-z])(: (.*))?$")
LONG_ID = "a-very-long-shot-id-" * 3 + "abcd"  # 64 characters: the longest id there may be
LONG_PROMPT = "A slow pan across a rain-soaked street at night, " * 6  # 300 characters
LONG_ERROR = "the provider refused the request: " + "content policy violation, " * 10 + "x" * 14
assert len(LONG_ID) == 64 and len(LONG_ERROR) == 308

BOARD = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
  - {{id: {long_id}, prompt: "{prompt}"}}
  - {{id: two, prompt: Second.}}
"""


def events(text: str) -> list[tuple[str, str, str | None]]:
    """(shot, state, detail) of every line that is an event."""
    found = []
    for line in text.splitlines():
        match = EVENT.match(line)
        if match is not None:
            found.append((match[3], match[4], match[6]))
    return found


def plain(text: str) -> str:
    """``text`` without its terminal escapes (colours, cursor moves)."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_an_event_line_is_an_iso_utc_time_the_shot_the_state_and_the_detail_on_one_line() -> None:
    when = datetime(2026, 5, 4, 9, 12, 3, 250000, tzinfo=UTC)
    assert log_line("open", "failed", "HTTP 500\nretry later", when) == (
        "2026-05-04T09:12:03.250Z open failed: HTTP 500 retry later"
    )
    assert log_line("(cut)", "up to date", "", when) == "2026-05-04T09:12:03.250Z (cut) up to date"


def test_off_a_terminal_a_long_detail_stays_on_its_line() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=False, width=80)
    with BuildProgress([LONG_ID], {}, console) as progress:
        progress(LONG_ID, "waiting", "")  # unchanged: no line
        progress(LONG_ID, "failed", LONG_ERROR)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert events(lines[0]) == [(LONG_ID, "failed", LONG_ERROR)]


@pytest.mark.slow  # renders a film
def test_a_local_build_off_a_terminal_logs_each_event_as_one_line(project: Project) -> None:
    project.write(BOARD.format(provider="local", long_id=LONG_ID, prompt=LONG_PROMPT))
    result = project.cli("build", str(project.root / "storyboard.yaml"))
    assert result.exit_code == 0, result.output
    logged = events(result.stderr)
    assert (LONG_ID, "rendering", "ffmpeg preview") in logged
    assert {state for shot, state, _ in logged if shot == LONG_ID} >= {"rendering", "done"}
    assert ("(cut)", "done") in {(shot, state) for shot, state, _ in logged}
    # every line naming the long shot holds it whole: nothing was wrapped at 80 columns
    assert all(line.startswith("20") for line in result.stderr.splitlines() if LONG_ID[:20] in line)
    assert (project.root / "out" / "film.mp4").is_file()


@pytest.mark.slow  # a build through a fake provider
def test_a_failed_shot_logs_its_whole_error_on_one_line(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tests.fakes.server, "FAILED_MESSAGE", LONG_ERROR)
    h = hosted("apimart", BOARD.replace("{long_id}", LONG_ID).replace("{prompt}", LONG_PROMPT))
    h.server.inject("poll", "failed")
    result = h.project.cli("build", str(h.project.root / "storyboard.yaml"), "--yes", "--jobs", "1")
    assert result.exit_code == 1, result.output
    failed = [(shot, detail) for shot, state, detail in events(result.stderr) if state == "failed"]
    assert len(failed) == 1 and failed[0][0] == LONG_ID and LONG_ERROR in (failed[0][1] or ""), result.stderr
    # the closing message says it on one line too (click.echo: no width)
    closing = [line for line in result.stderr.splitlines() if line.startswith("storyboard build: shot `")]
    assert len(closing) == 1 and LONG_ERROR in closing[0]


def test_a_long_diagnostic_is_one_line_off_a_terminal(project: Project) -> None:
    missing = "m" * 300
    path = project.write(
        f"""
        version: 1
        settings: {{resolution: 480p, duration: 3}}
        shots:
          - {{id: open, prompt: A cat., continues: {missing}}}
        """
    )
    result = project.cli("check", str(path))
    assert result.exit_code == 1
    head = [line for line in result.output.splitlines() if ": error[" in line]
    assert len(head) == 1 and missing in head[0] and head[0].startswith(f"{path}:4:")


def test_on_a_terminal_the_progress_is_the_live_table() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=120)
    with BuildProgress(["open", "two"], {}, console) as progress:
        progress("open", "done", "3.00 s")
        progress("two", "failed", "refused")
    shown = plain(stream.getvalue())
    assert "storyboard build" in shown and "┃ shot" in shown  # the table's title and header
    assert not re.search(r"\d\dZ open", shown)  # no log lines


@pytest.mark.slow  # a build in a process of its own, on a pseudo-terminal
def test_a_build_on_a_real_terminal_draws_the_table(project: Project) -> None:
    path = project.write(BOARD.format(provider="local", long_id="open", prompt="A cat."))
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "COLUMNS": "120"}
    process = subprocess.Popen(
        [sys.executable, "-m", "storyboard", "build", str(path)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=project.root,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.wait(timeout=30) == 0, seen.decode(errors="replace")
    text = plain(seen.decode(errors="replace"))
    assert "storyboard build" in text and "┃ shot" in text, text
    assert not re.search(r"\d\dZ open ", text)
