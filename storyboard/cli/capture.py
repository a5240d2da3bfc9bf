"""What a command writes, kept as it goes out: the no-op plan prints it again (ops/memo.py).

The streams are wrapped, not replaced by buffers: the user sees the output as it is written,
and click still asks the real stream whether it is a terminal (colour, ANSI stripping).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast


class _Tee:
    """A text stream that writes through to ``target`` and keeps each piece in ``chunks``."""

    def __init__(self, target: TextIO, number: int, chunks: list[tuple[int, str]]) -> None:
        self._target = target
        self._number = number
        self._chunks = chunks

    def write(self, text: str) -> int:
        written = self._target.write(text)  # a bytes write fails here as on the real stream (click probes so)
        if text:
            self._chunks.append((self._number, text))
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@contextmanager
def captured() -> Iterator[list[tuple[int, str]]]:
    """Within the block, stdout and stderr are kept as (1 or 2, text) in the order written."""
    chunks: list[tuple[int, str]] = []
    out, err = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, _Tee(out, 1, chunks))
    sys.stderr = cast(TextIO, _Tee(err, 2, chunks))
    try:
        yield chunks
    finally:
        sys.stdout, sys.stderr = out, err
