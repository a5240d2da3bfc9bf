"""Claims: the exclusive right, among builds sharing one store, to generate one clip now.

Two builds sharing a store must never submit the same key twice: whoever holds the claim
submits (or resumes the journalled job); the other waits, then finds the clip stored. A
claim is an advisory ``flock`` on ``locks/<clip name>.lock``: the kernel drops it when its
holder exits, kill -9 included, so no claim outlives a dead build.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import StoreError
from .state import DEFAULT_TAKE


class Claim:
    """A held claim on one key (see :func:`try_claim`); release it when the clip is stored or the shot failed."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        """Let another build claim the key (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def lock_name(key: str, take: int = DEFAULT_TAKE) -> str:
    """``<key>.lock`` for the first take (as before takes existed), ``<key>.take<k>.lock`` after."""
    return f"{key}.lock" if take == DEFAULT_TAKE else f"{key}.take{take}.lock"


def try_claim(locks: Path, key: str, *, take: int = DEFAULT_TAKE) -> Claim | None:
    """The claim on (key, take) under the folder ``locks``, or None while another build holds it."""
    try:
        locks.mkdir(parents=True, exist_ok=True)
        fd = os.open(locks / lock_name(key, take), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot claim a shot in {locks}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return Claim(fd)


def held(locks: Path, key: str, *, take: int = DEFAULT_TAKE) -> bool:
    """Whether a build holds the claim on (key, take) now: a read, creating nothing (``storyboard takes``).

    Probed with a shared flock taken and dropped at once; a build claiming in that instant
    sees it held and looks again a moment later (``CLAIM_POLL_SECONDS``).
    """
    try:
        fd = os.open(locks / lock_name(key, take), os.O_RDONLY)
    except OSError:
        return False  # never claimed (or no store): nobody holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # drops the probe's flock with the descriptor
    return False
