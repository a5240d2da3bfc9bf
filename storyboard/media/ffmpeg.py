"""The one way storyboard runs ffmpeg: where it comes from, its global options, its failures.

The cut, the review page's thumbnails, the runner's tails of clips and the local preview
renderer all run ffmpeg; they share one command head (quiet, never reading stdin, always
overwriting), one timeout, and one translation of a failure into ``RenderError`` with the
last lines ffmpeg wrote, so a user reads the same kind of message whoever ran it.
``run_ffmpeg`` blocks (for code already off the event loop); ``arun_ffmpeg`` awaits and can watch
ffmpeg's progress, killing a process that stops advancing (``RenderStalled``).

No ffmpeg outlives what started it. Inside ``reaped()`` (a build), leaving the block kills every
ffmpeg still running, those a thread started included (a cancelled ``asyncio.to_thread`` keeps
its thread running), and refuses to start more; on Linux each child also gets SIGKILL when
the thread that started it dies, so ``kill -9`` of storyboard takes its renders with it.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import lru_cache
from typing import Protocol

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


class _Killable(Protocol):
    def kill(self) -> None: ...


class _Children:
    """The ffmpeg processes started inside one ``reaped()`` block, from any thread."""

    def __init__(self) -> None:
        self._live: set[_Killable] = set()
        self._lock = threading.Lock()
        self.closed = False

    def add(self, proc: _Killable) -> None:
        with self._lock:
            if not self.closed:
                self._live.add(proc)
                return
        with suppress(ProcessLookupError):
            proc.kill()  # started as the block ended: it is not kept

    def discard(self, proc: _Killable) -> None:
        with self._lock:
            self._live.discard(proc)

    def close(self) -> None:
        with self._lock:
            self.closed, live = True, list(self._live)
        for proc in live:
            with suppress(ProcessLookupError):
                proc.kill()


_CHILDREN: ContextVar[_Children | None] = ContextVar("storyboard_ffmpeg_children", default=None)


@contextmanager
def reaped() -> Iterator[None]:
    """Every ffmpeg started in this context (``asyncio.to_thread`` copies it) is killed when the block ends."""
    children = _Children()
    token = _CHILDREN.set(children)
    try:
        yield
    finally:
        _CHILDREN.reset(token)
        children.close()


def _dies_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when its parent dies; None elsewhere."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()
    option, kill = ctypes.c_int(1), ctypes.c_ulong(signal.SIGKILL)  # PR_SET_PDEATHSIG; made before the fork

    def set_pdeathsig() -> None:
        prctl(option, kill)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return set_pdeathsig


@lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def run_ffmpeg(args: Sequence[str], *, what: str, timeout: float) -> bytes:
    """Run ffmpeg to the end and return what it wrote on stderr (an analyser's report); a failure or a
    run past ``timeout`` seconds is a ``RenderError``.

    ``what`` completes "ffmpeg failed …" (for example "cutting the film").
    """
    children = _CHILDREN.get()
    if children is not None and children.closed:
        raise RenderError(f"ffmpeg was not started {what}: the build is stopping")
    try:
        proc = subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_dies_with_parent(),  # only a prctl call: safe after fork in a threaded process
        )
    except OSError as exc:  # no executable, or it cannot be started
        raise RenderError(f"ffmpeg could not be started {what}: {exc}") from exc
    if children is not None:
        children.add(proc)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.communicate()
        raise _too_long(what, timeout) from exc
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    finally:
        if children is not None:
            children.discard(proc)
    if proc.returncode != 0:
        if children is not None and children.closed:
            raise RenderError(f"ffmpeg was stopped {what}: the build is stopping")
        raise _failed(what, err)
    return err


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
        preexec_fn=_dies_with_parent(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    children = _CHILDREN.get()
    if children is not None:
        children.add(proc)
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
        await _reap(proc, errors)
        raise
    finally:
        if children is not None:
            children.discard(proc)
    err = await errors
    if proc.returncode != 0:
        raise _failed(what, err)


async def _reap(proc: asyncio.subprocess.Process, errors: asyncio.Future[bytes]) -> None:
    """Kill ffmpeg and wait until it has exited and its pipes are closed, through a second cancellation too.

    A subprocess transport still open when the event loop closes is reported at exit as
    "Exception ignored ... Event loop is closed"; a killed ffmpeg closes its pipes at once.
    """
    if proc.returncode is None:
        with suppress(ProcessLookupError):
            proc.kill()
    assert proc.stdout is not None
    ended = asyncio.gather(errors, proc.stdout.read(), proc.wait(), return_exceptions=True)
    cancelled = False
    while not ended.done():
        try:
            await asyncio.shield(ended)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


def _too_long(what: str, timeout: float) -> RenderError:
    return RenderError(f"ffmpeg took longer than {timeout:.0f} s {what} and was stopped")


def _failed(what: str, stderr: bytes) -> RenderError:
    tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
    return RenderError(f"ffmpeg failed {what}: {' / '.join(tail)}")
