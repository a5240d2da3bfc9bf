"""Captions files (.srt, .vtt), parsed at `check` so a broken cue is found before the cut.

No subtitle library is installed, and the two formats are small: a cue is an optional
number or name, a timing line ``start --> end``, and its text up to a blank line. The
parser is strict about the timing lines (what a player drops silently) and says which line
of the captions file is wrong, so the fix is one look away.
"""

from __future__ import annotations

import re
from pathlib import Path

from .result import Cue

MAX_CAPTION_BYTES = 4 * 1024 * 1024  # a feature film's subtitles are ~100 kB
_SRT_TIME = r"(\d{1,2}):([0-5]\d):([0-5]\d)[,.](\d{3})"
_VTT_TIME = r"(?:(\d{1,2}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_SRT_TIMING = re.compile(rf"^{_SRT_TIME}\s*-->\s*{_SRT_TIME}(?:\s+.*)?$")
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}\s+-->\s+{_VTT_TIME}(?:\s+.*)?$")


class CaptionsError(ValueError):
    """A captions file that does not parse: the 1-based line and what is wrong there."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _shown(line: str) -> str:
    return line if len(line) <= 40 else line[:37] + "..."


def read_captions(path: Path) -> list[Cue]:
    """The cues of an .srt or .vtt file (by its suffix); a ``CaptionsError`` names the first bad line."""
    data = path.read_bytes()
    if len(data) > MAX_CAPTION_BYTES:
        raise CaptionsError(1, f"the file is {len(data):,} bytes; captions may be at most {MAX_CAPTION_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaptionsError(data[: exc.start].count(b"\n") + 1, "the text is not UTF-8") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _parse_vtt(lines) if path.suffix.lower() == ".vtt" else _parse_srt(lines)


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line with its 1-based number."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for n, line in enumerate(lines, start=1):
        if line.strip():
            current.append((n, line.rstrip()))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _cue(n: int, match: re.Match[str], text: list[tuple[int, str]]) -> Cue:
    g = match.groups()
    start, end = _seconds(*g[:4]), _seconds(*g[4:8])
    if end <= start:
        raise CaptionsError(n, f"the cue ends ({end:.3f} s) before it starts ({start:.3f} s)")
    return Cue(start, end, "\n".join(t for _, t in text))


def _parse_srt(lines: list[str]) -> list[Cue]:
    cues: list[Cue] = []
    for block in _blocks(lines):
        (n, head), rest = block[0], block[1:]
        if head.strip().isdigit():
            if not rest:
                raise CaptionsError(n, "expected a timing line `00:00:01,000 --> 00:00:03,500` after the cue number")
            (n, head), rest = rest[0], rest[1:]
        match = _SRT_TIMING.match(head.strip())
        if match is None:
            raise CaptionsError(
                n, f"expected a timing line `00:00:01,000 --> 00:00:03,500`, found `{_shown(head.strip())}`"
            )
        cues.append(_cue(n, match, rest))
    if not cues:
        raise CaptionsError(1, "the file holds no cue")
    return cues


def _parse_vtt(lines: list[str]) -> list[Cue]:
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0].rstrip()):
        raise CaptionsError(1, f"a WebVTT file begins with `WEBVTT`, found `{_shown(lines[0] if lines else '')}`")
    cues: list[Cue] = []
    for block in _blocks(lines)[1:]:  # the first is the header: WEBVTT and its metadata lines
        (n, head), rest = block[0], block[1:]
        if head.startswith(("NOTE", "STYLE", "REGION")):
            continue
        if "-->" not in head and rest:  # a cue identifier
            (n, head), rest = rest[0], rest[1:]
        match = _VTT_TIMING.match(head.strip())
        if match is None:
            raise CaptionsError(n, f"expected a timing line `00:01.000 --> 00:03.500`, found `{_shown(head.strip())}`")
        cues.append(_cue(n, match, rest))
    if not cues:
        raise CaptionsError(1, "the file holds no cue")
    return cues
