"""Media values: relative paths inside the project, or https:// URLs; and their probes.

A value is checked once however many shots use it. Lengths and sizes of local audio and
video come from the container via PyAV (a media library, not ffmpeg's text output), and
only for the files a rule or a price needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import urlparse

from ..media.probe import MediaInfo, probe_media
from .request import MediaRef

Kind = Literal["image", "video", "audio"]
IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"})
VIDEO_EXT = frozenset({".mp4", ".mov", ".webm", ".mkv", ".m4v"})
AUDIO_EXT = frozenset({".mp3", ".wav", ".m4a", ".aac", ".ogg", ".flac", ".opus"})
_BY_EXT: dict[str, Kind] = {
    **{e: "image" for e in IMAGE_EXT},
    **{e: "video" for e in VIDEO_EXT},
    **{e: "audio" for e in AUDIO_EXT},
}


@dataclass(frozen=True, slots=True)
class MediaProblem:
    """Why a media value was refused, as the compiler reports it: an M code, the text, and a fix if there is one."""

    code: str  # M001..M004
    message: str
    help: str | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """A media value checked once: ``ref`` for the request, or ``ref`` None and the ``problem`` that refused it."""

    ref: MediaRef | None
    kind: Kind | None  # from the extension; None when it has none we know
    path: Path | None  # absolute, for local files
    problem: MediaProblem | None = None


def _refused(kind: Kind | None, code: str, message: str, help: str | None) -> Resolved:
    return Resolved(None, kind, None, MediaProblem(code, message, help))


def kind_of(value: str) -> Kind | None:
    """The kind from the extension alone (a URL's path, its query ignored): nothing is opened or fetched."""
    suffix = PurePosixPath(urlparse(value).path if "://" in value else value).suffix.lower()
    return _BY_EXT.get(suffix)


def looks_absolute(value: str) -> bool:
    """A path that is not relative to the storyboard on some system: ``/x``, ``~/x``, ``\\x``, ``C:x``."""
    return value.startswith(("/", "~", "\\")) or (len(value) > 1 and value[1] == ":")


class MediaResolver:
    """Resolves media values of one storyboard, each once."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[str, Resolved] = {}
        self._probes: dict[Path, MediaInfo | str] = {}

    def resolve(self, value: str) -> Resolved:
        """Checked once per storyboard however many shots use it; a refusal comes back as ``problem``, never raised."""
        hit = self._cache.get(value)
        if hit is None:
            hit = self._cache[value] = self._resolve(value)
        return hit

    def _resolve(self, value: str) -> Resolved:
        kind = kind_of(value)
        if "://" in value or value.startswith(("data:", "file:")):
            parsed = urlparse(value)
            if parsed.scheme != "https" or not parsed.netloc:
                return _refused(
                    kind,
                    "M003",
                    f"expected a relative path or an https:// URL, found `{value}`",
                    "providers fetch media over https; use an https URL or a file inside the project",
                )
            return Resolved(MediaRef(url=value), kind, None)
        if looks_absolute(value):
            return _refused(
                kind,
                "M003",
                f"expected a path relative to the storyboard file, found the absolute path `{value}`",
                "copy the file into the project and refer to it relative to the storyboard",
            )
        if "\x00" in value or len(value) > 1024:
            return _refused(
                kind, "M003", "expected a file path, found a value with a NUL byte or over 1,024 characters", None
            )
        try:
            full = (self.root / value).resolve()
            rel = full.relative_to(self.root)
        except ValueError:
            return _refused(
                kind,
                "M002",
                f"`{value}` resolves outside the storyboard's folder ({self.root})",
                "media must live inside the storyboard's folder tree; copy the file into it",
            )
        try:
            exists = full.is_file()
        except OSError:  # a name the filesystem cannot hold (too long)
            exists = False
        if not exists:
            near = _nearby(full)
            return _refused(
                kind,
                "M001",
                f"media file `{value}` not found",
                f"did you mean `{PurePosixPath(value).with_name(near)}`?"
                if near
                else "check the path; it is relative to the storyboard file",
            )
        return Resolved(MediaRef(file=rel.as_posix()), kind, full)

    def local_files(self) -> set[Path]:
        """Every local file a media value of this storyboard resolved to (absolute): what no output may be."""
        return {hit.path for hit in self._cache.values() if hit.path is not None}

    def resolve_file(self, relative: str) -> Path:
        """The absolute path behind a resolved file's POSIX relative path."""
        hit = self._cache.get(relative)
        return hit.path if hit is not None and hit.path is not None else self.root / relative

    def probe(self, path: Path) -> MediaInfo | str:
        """Length and frame size of a local audio or video file, or why it cannot be read."""
        hit = self._probes.get(path)
        if hit is None:
            hit = self._probes[path] = probe_media(path)
        return hit


def _nearby(full: Path) -> str | None:
    """A file in the same folder whose name differs only slightly (did-you-mean)."""
    import difflib

    folder = full.parent
    if not folder.is_dir():
        return None
    try:
        names = [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:
        return None
    match = difflib.get_close_matches(full.name, names, n=1, cutoff=0.7)
    return match[0] if match else None
