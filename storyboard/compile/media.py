"""Media values: relative paths inside the project, or https:// URLs; and their probes.

A value is checked once however many shots use it. Each local file is probed once, at
`check`, for what its extension claims (an image decodes, a video has frames, an audio
file has sound) and against the size bounds, so what `check` accepts the build can read.
Lengths and sizes come from the container via PyAV, not from ffmpeg's text output.
A URL is taken as it is, except that one carrying a user name or password is refused:
the plan, the store and the journal would keep the secret.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal, Protocol
from urllib.parse import urlparse

from ..load.roots import contained
from ..media.probe import MAX_SIDE, MediaInfo, Unfit, probe_input, probe_media
from .request import MediaRef

Kind = Literal["image", "video", "audio", "subtitle"]
IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"})
VIDEO_EXT = frozenset({".mp4", ".mov", ".webm", ".mkv", ".m4v"})
AUDIO_EXT = frozenset({".mp3", ".wav", ".m4a", ".aac", ".ogg", ".flac", ".opus"})
SUBTITLE_EXT = frozenset({".srt", ".vtt"})  # captions: text, parsed by the compiler (compile/captions.py)
_BY_EXT: dict[str, Kind] = {
    **{e: "image" for e in IMAGE_EXT},
    **{e: "video" for e in VIDEO_EXT},
    **{e: "audio" for e in AUDIO_EXT},
    **{e: "subtitle" for e in SUBTITLE_EXT},
}


@dataclass(frozen=True, slots=True)
class MediaProblem:
    """Why a media value was refused, as the compiler reports it: an M code, the text, and a fix if there is one."""

    code: str  # M001..M007
    message: str
    help: str | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """A media value checked once: ``ref`` for the request, or ``ref`` None and the ``problem`` that refused it."""

    ref: MediaRef | None
    kind: Kind | None  # from the extension; None when it has none we know
    path: Path | None  # absolute, for local files
    problem: MediaProblem | None = None


class Probes(Protocol):
    """Probes remembered across runs by a file's stat (the store's input-probe cache): a hit decodes nothing."""

    def get(self, path: Path, st: os.stat_result, kind: str) -> MediaInfo | None:
        """What the file held as ``kind`` at this stat, or None."""

    def put(self, path: Path, st: os.stat_result, kind: str, info: MediaInfo) -> None:
        """Remember a probe that passed, at the stat taken before it."""


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

    def __init__(self, root: Path, asset_roots: Sequence[Path] = (), probes: Probes | None = None) -> None:
        """``asset_roots``: resolved folders outside ``root`` media may come from (`settings.asset_roots`);
        ``probes``: what earlier checks found in files that have not changed since."""
        self.root = root.resolve()
        self.remembered = probes
        self.folders = [self.root, *asset_roots]
        self._cache: dict[str, Resolved] = {}
        self._probes: dict[Path, MediaInfo | str] = {}
        self._files: dict[str, Path] = {}  # a request's relative path -> the file it resolved to

    def resolve(self, value: str) -> Resolved:
        """Checked once per storyboard however many shots use it; a refusal comes back as ``problem``, never raised."""
        hit = self._cache.get(value)
        if hit is None:
            hit = self._cache[value] = self._resolve(value)
        return hit

    def _resolve(self, value: str) -> Resolved:
        kind = kind_of(value)
        if "://" in value or value.startswith(("data:", "file:")):
            try:
                parsed = urlparse(value)
                secret = parsed.username is not None or parsed.password is not None
            except ValueError:  # an unbalanced [ in the host
                parsed, secret = urlparse(""), False
            if secret or "@" in parsed.netloc:
                return _refused(
                    kind,
                    "M007",
                    f"expected a URL without credentials, found a user name or password in `{_redacted(value)}`",
                    "drop the `user:password@` part: the plan, the store and the journal keep media URLs; "
                    "use a signed URL (its query carries the access) or a file inside the project",
                )
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
        except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
            return _refused(
                kind, "M001", f"`{value}` is a symbolic link that never reaches a file (a loop)", "name the file itself"
            )
        if contained(full, self.folders) is None:
            roots = " or its asset roots" if len(self.folders) > 1 else ""
            return _refused(
                kind,
                "M002",
                f"`{value}` resolves outside the storyboard's folder{roots} ({full})",
                "media must live inside the storyboard's folder tree; copy the file into it, "
                "or list its folder in `settings.asset_roots`",
            )
        # relative to the storyboard's folder, `../brand/logo.png` for a file of an asset root
        rel = PurePosixPath(Path(os.path.relpath(full, self.root)).as_posix())
        try:
            st: os.stat_result | None = full.stat()  # stat, never open: a FIFO would block
        except OSError:  # missing, or a name the filesystem cannot hold (too long)
            st = None
        mode = st.st_mode if st is not None else None
        if mode is not None and not stat.S_ISREG(mode):
            what = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a pipe, socket or device)"
            return _refused(
                kind, "M001", f"`{value}` is {what}, not a media file", "name a media file inside the project"
            )
        if mode is None:
            near = _nearby(full)
            return _refused(
                kind,
                "M001",
                f"media file `{value}` not found",
                f"did you mean `{PurePosixPath(value).with_name(near)}`?"
                if near
                else "check the path; it is relative to the storyboard file",
            )
        if kind is not None and kind != "subtitle" and st is not None:
            found = self._probe_input(full, st, kind)
            if isinstance(found, Unfit):
                return _refused(kind, *_unfit(value, kind, found))
            if kind != "image":
                self._probes[full] = found  # the rules and prices ask for its length: no second probe
        self._files[rel.as_posix()] = full
        return Resolved(MediaRef(file=rel.as_posix()), kind, full)

    def _probe_input(self, full: Path, st: os.stat_result, kind: Kind) -> MediaInfo | Unfit:
        """``probe_input``, unless a check already probed the file at this very stat."""
        if self.remembered is None:
            return probe_input(full, kind)
        hit = self.remembered.get(full, st, kind)
        if hit is not None:
            return hit
        found = probe_input(full, kind)
        if isinstance(found, MediaInfo):
            self.remembered.put(full, st, kind, found)
        return found

    def local_files(self) -> set[Path]:
        """Every local file a media value of this storyboard resolved to (absolute): what no output may be."""
        return {hit.path for hit in self._cache.values() if hit.path is not None}

    def resolutions(self) -> dict[str, Path]:
        """Each local media value as written, joined to the folder, -> the file it resolved to (symlinks
        followed): what a later plan resolves again to trust this compile (ops/memo.py)."""
        return {str(self.root / value): hit.path for value, hit in self._cache.items() if hit.path is not None}

    def resolve_file(self, relative: str) -> Path:
        """The absolute path behind a resolved file's POSIX relative path."""
        return self._files.get(relative) or self.root / relative

    def probe(self, path: Path) -> MediaInfo | str:
        """Length and frame size of a local audio or video file, or why it cannot be read."""
        hit = self._probes.get(path)
        if hit is None:
            hit = self._probes[path] = probe_media(path)
        return hit


def _unfit(value: str, kind: Kind, found: Unfit) -> tuple[str, str, str]:
    """The code, message and fix for a local file that is not what its extension claims."""
    what = "an image" if kind == "image" else f"a {kind}"
    if found.too_large:
        fix = (
            f"scale it down to at most {MAX_SIDE:,} pixels a side"
            if "pixels" in found.reason
            else "use a smaller file: trim it, or re-encode it at a lower bitrate or resolution"
        )
        return "M006", f"`{value}` is too large for {what} input: {found.reason}", fix
    fix = {
        "image": "use a PNG or JPEG that opens in an image viewer",
        "video": "re-encode it as an H.264 mp4 with a video stream",
        "audio": "re-encode it as WAV or MP3",
    }[kind]
    return "M005", f"`{value}` is named as {what} but is not one: {found.reason}", fix


def _redacted(url: str) -> str:
    """The URL with its user name and password replaced, so a diagnostic does not repeat them."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, _ = rest.partition("/")[0].rpartition("@")
    return f"{scheme}{sep}***@{rest[len(userinfo) + len(at) :]}" if at else url


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
