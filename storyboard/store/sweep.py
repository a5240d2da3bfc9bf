"""Each build's scratch space, and the sweep of what a killed build left behind.

A build stages its partial files (renders, downloads, copies on their way into clips/) in
a folder of its own, ``tmp/build-<token>/``, and holds an ``flock`` on ``tmp/build-<token>.lock``
while it runs. Files it writes beside its outputs (the film, the sidecars, the thumbnails
on their way to their names) carry the token in their names, and the lock file lists the
folders they are in. On the way out a build removes all of it; a build killed with
``kill -9`` cannot, so every build starts by sweeping the tokens whose lock nobody holds:
the kernel drops a dead process's flock, so a live build's files are never swept.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path

TOKEN = re.compile(r"build-[0-9a-f]{12}")


class Scratch:
    """A running build's scratch: its folder, its held lock, the folders it wrote temporaries in."""

    def __init__(self, tmp: Path, token: str, fd: int) -> None:
        self.token = token
        self.folder = tmp / token
        self.lock = tmp / f"{token}.lock"
        self._fd: int | None = fd
        self._noted: set[Path] = set()

    def note(self, folder: Path) -> None:
        """Remember (in the lock file, so a sweep finds them) a folder that gets temporaries named by the token."""
        folder = folder.resolve()
        if folder not in self._noted and self._fd is not None:
            self._noted.add(folder)
            os.write(self._fd, os.fsencode(folder) + b"\n")  # O_APPEND: whole lines, from any thread

    def close(self) -> None:
        """Remove the folder and every temporary of the token, then the lock (idempotent)."""
        if self._fd is None:
            return
        _remove(self.folder, self.token, self._noted)
        self.lock.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


CURRENT: ContextVar[Scratch | None] = ContextVar("storyboard_scratch", default=None)


def current() -> Scratch | None:
    """The scratch of the build running in this context (threads started by ``asyncio.to_thread`` included)."""
    return CURRENT.get()


@contextmanager
def scratch(tmp: Path) -> Iterator[Scratch]:
    """A new scratch under ``tmp`` for the block (after sweeping dead builds'); removed on the way out.

    Inside a block that holds a scratch of the same ``tmp`` already, that one (``build`` holds it
    around ``asyncio.run``, so it is removed after the threads a cancelled build left have ended).
    """
    tmp.mkdir(parents=True, exist_ok=True)
    tmp = tmp.resolve()
    held = current()
    if held is not None and held.folder.parent == tmp:
        yield held
        return
    while True:
        token = f"build-{secrets.token_hex(6)}"
        path = tmp / f"{token}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        # a sweep may have taken the lock between open and flock and removed the file: start again
        with suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        os.close(fd)
    own = Scratch(tmp, token, fd)
    reset = CURRENT.set(own)
    try:
        sweep(tmp)
        own.folder.mkdir()
        yield own
    finally:
        CURRENT.reset(reset)
        own.close()


def sweep(tmp: Path) -> int:
    """Remove what builds that are no longer running left under ``tmp`` and beside their outputs.

    Returns how many entries of ``tmp`` were swept. A token whose lock is held is a live build
    and is left alone; entries not named by a token (from versions before tokens) are removed
    only when no other build is running.
    """
    try:
        names = os.listdir(tmp)
    except FileNotFoundError:
        return 0
    own = current()
    swept, live, legacy = 0, False, []
    locks = {n[: -len(".lock")] for n in names if n.endswith(".lock") and TOKEN.fullmatch(n[: -len(".lock")])}
    for name in names:
        if name.endswith(".lock") and name[: -len(".lock")] in locks:
            token = name[: -len(".lock")]
            if own is not None and token == own.token:
                continue
            if _sweep_token(tmp, token):
                swept += 1
            else:
                live = True
        elif TOKEN.fullmatch(name):
            # no lock (looked at twice: a listing may miss a file made while it is read): the build ended
            if name not in locks and not (tmp / f"{name}.lock").exists():
                shutil.rmtree(tmp / name, ignore_errors=True)
                swept += 1
        else:
            legacy.append(name)
    if not live:
        for name in legacy:
            _remove_path(tmp / name)
            swept += 1
    return swept


def _sweep_token(tmp: Path, token: str) -> bool:
    """Sweep one token if its lock is free (its build is gone); False when the build is alive."""
    path = tmp / f"{token}.lock"
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return True  # another sweep got there first
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        with open(path, "rb") as fh:
            folders = {Path(os.fsdecode(line)) for line in fh.read().splitlines() if line}
        _remove(tmp / token, token, folders)
        path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def _remove(folder: Path, token: str, beside: set[Path]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for place in beside:
        with suppress(OSError):
            for entry in os.scandir(place):
                if entry.name.startswith(".") and token in entry.name and entry.is_file(follow_symlinks=False):
                    with suppress(FileNotFoundError):
                        os.unlink(entry.path)


def _remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            path.unlink()
