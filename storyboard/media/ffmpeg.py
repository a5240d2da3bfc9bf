"""The one way storyboard runs ffmpeg: where it comes from, its global options, its failures.

The cut, the review page's thumbnails, the runner's tails of clips and the local preview
renderer all run ffmpeg; they share one command head (quiet, never reading stdin, always
overwriting), one timeout, and one translation of a failure into ``RenderError`` with the
last lines ffmpeg wrote, so a user reads the same kind of message whoever ran it.
``run_ffmpeg`` blocks (for code already off the event loop); ``arun_ffmpeg`` awaits and can watch
ffmpeg's progress, killing a process that stops advancing (``RenderStalled``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache

from ..env import FFMPEG
from ..errors import RenderError, RenderStalled

# before the inputs: ffmpeg ignores trailing global options (and would then ask on stdin)
GLOBAL_OPTIONS = ("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
STALL_SECONDS = 8.0  # no progress for this long: ffmpeg is stuck, not slow


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """``$STORYBOARD_FFMPEG``, else ffmpeg on PATH, else the static binary of the imageio-ffmpeg wheel."""
    override = os.environ.get(FFMPEG)
    if override:
        return override
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_head() -> list[str]:
    """The executable and the global options; ffmpeg-python's ``compile(cmd=ffmpeg_head())`` starts with it."""
    return [ffmpeg_exe(), *GLOBAL_OPTIONS]


def ffmpeg_command(*args: str) -> list[str]:
    """A whole ffmpeg command line: the head, then ``args`` (inputs, filters, the output)."""
    return [*ffmpeg_head(), *args]


def run_ffmpeg(args: Sequence[str], *, what: str, timeout: float) -> None:
    """Run ffmpeg to the end; a failure or a run past ``timeout`` seconds is a ``RenderError``.

    ``what`` completes "ffmpeg failed …" (for example "cutting the film").
    """
    try:
        done = subprocess.run(list(args), stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise _too_long(what, timeout) from exc
    except OSError as exc:  # no executable, or it cannot be started
        raise RenderError(f"ffmpeg could not be started {what}: {exc}") from exc
    if done.returncode != 0:
        raise _failed(what, done.stderr)


async def arun_ffmpeg(args: Sequence[str], *, what: str, timeout: float, stall: float = STALL_SECONDS) -> None:
    """Run ffmpeg without blocking the event loop, watching its progress report.

    A run whose output time stops advancing for ``stall`` seconds is killed and raises
    ``RenderStalled`` (a fresh run usually finishes); one past ``timeout`` seconds, or one
    that fails, raises ``RenderError``. Cancelling the task kills ffmpeg.
    """
    exe, *rest = args
    proc = await asyncio.create_subprocess_exec(
        exe,
        "-progress",
        "pipe:1",
        "-stats_period",
        "0.25",
        *rest,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    errors = asyncio.ensure_future(proc.stderr.read())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_time, last_change = "", loop.time()
    try:
        while True:
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), timeout=stall)
            except TimeoutError:
                raise RenderStalled(f"ffmpeg stopped making progress {what}") from None
            if not line:
                break
            text = line.decode(errors="replace").strip()
            if text.startswith("out_time_us=") and text != last_time:
                last_time, last_change = text, loop.time()
            elif text == "progress=end":
                last_change = loop.time()
            if loop.time() - last_change > stall:
                raise RenderStalled(f"ffmpeg stopped making progress {what}")
            if loop.time() > deadline:
                raise _too_long(what, timeout)
        try:
            await asyncio.wait_for(proc.wait(), timeout=stall)
        except TimeoutError:
            raise RenderStalled(f"ffmpeg did not exit after {what}") from None
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        errors.cancel()
        raise
    err = await errors
    if proc.returncode != 0:
        raise _failed(what, err)


def _too_long(what: str, timeout: float) -> RenderError:
    return RenderError(f"ffmpeg took longer than {timeout:.0f} s {what} and was stopped")


def _failed(what: str, stderr: bytes) -> RenderError:
    tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
    return RenderError(f"ffmpeg failed {what}: {' / '.join(tail)}")
