"""The output pass: where the film and its sidecars go, checked before anything is written.

The build replaces the film, its timeline (.otio), its review page (.html) and the
thumbnails folder beside it. A path the user wrote in ``settings.output`` must therefore
never land on the storyboard, an input, the store, somewhere outside the project or a
device node: as root, ``output: /dev/null`` once replaced the device with a regular file.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

from .context import Context
from .media import looks_absolute

FILM_SUFFIXES = (".mp4", ".m4v")  # the cut writes an MP4 container whatever the name says
TIMELINE, REVIEW, THUMBS = ".otio", ".html", ".thumbs"  # the film's sidecars, by suffix: one name for each
EDITORS = (".xml", ".fcpxml", ".kdenlive", ".otioz")  # the timelines for editors (settings.timeline)
CAPTIONS = ".srt"  # the captions' sidecar
BUILD_REPORT = ".build.json"  # what the build did, shot by shot (ops/report.py)
SIDECARS = (TIMELINE, REVIEW, THUMBS, *EDITORS, CAPTIONS, BUILD_REPORT)


def film_output(root: Path, stem: str, output: str | None) -> Path:
    """The film's absolute path: ``output`` relative to the storyboard's folder, else ``out/<stem>.mp4``."""
    return (root / (output or f"out/{stem}.mp4")).resolve()


def outputs_of(film: Path) -> list[Path]:
    """The film and every sidecar a build writes beside it: files, the thumbnails' folder, and the folder
    of the timeline's media (``out/<stem>/``)."""
    return [film, *(film.with_suffix(suffix) for suffix in SIDECARS), film.with_suffix("")]


def folders_of(film: Path) -> set[Path]:
    """The outputs that are folders: a build writes inside them."""
    return {film.with_suffix(THUMBS), film.with_suffix("")}


def check_output(ctx: Context) -> None:
    """O001-O005 for ``settings.output``: inside the folder, outside the store, no input, an MP4, a file."""
    board = ctx.board
    written = board.settings.output
    where = ctx.at("settings", "output")
    said = f"`output: {written}`"
    if written is None:  # the default, out/<stem>.mp4: only what is already there can make it unsafe
        written = f"out/{ctx.loaded.source.path.stem}.mp4"
        said = f"the film's default output, `{written}`,"
        where = ctx.at("settings", key=True) if "settings" in board.model_fields_set else ctx.at("version", key=True)
    root = ctx.loaded.root.resolve()
    if "\x00" in written or looks_absolute(written):
        ctx.error(
            "O001",
            f"`output` must be a path relative to the storyboard file, found `{written}`",
            where,
            help="write the film inside the project, e.g. `out/film.mp4`",
        )
        return
    film = film_output(root, ctx.loaded.source.path.stem, written)
    try:
        film.relative_to(root)
    except ValueError:
        ctx.error(
            "O001",
            f"`output: {written}` resolves outside the storyboard's folder ({film})",
            where,
            help="write the film inside the project, e.g. `out/film.mp4`",
        )
        return
    if (root / ".storyboard") in film.parents or film == root / ".storyboard":
        ctx.error(
            "O002",
            f"`output: {written}` is inside `.storyboard/`, the clip store and its journal",
            where,
            help="write the film elsewhere in the project, e.g. `out/film.mp4`",
        )
        return
    if film.suffix.lower() not in FILM_SUFFIXES:
        ctx.error(
            "O004",
            f"`output: {written}` does not end in .mp4; the film is an MP4 file",
            where,
            help=f"name it `{PurePosixPath(written).with_suffix('.mp4')}`",
        )
        return
    inputs = {ctx.loaded.source.path.resolve(), *ctx.media.local_files()}
    for path in outputs_of(film):
        if path in inputs:
            what = (
                "the storyboard itself" if path == ctx.loaded.source.path.resolve() else "an input of this storyboard"
            )
            ctx.error(
                "O003",
                f"{said} would overwrite {what}, `{path.relative_to(root).as_posix()}`",
                where,
                help="choose a film name no input or sidecar (.otio, .html, .thumbs, .srt, .build.json, the editors' timelines, the media folder) shares, e.g. `out/film.mp4`",
            )
            return
    for path in outputs_of(film):
        kind = _not_ordinary(path, directory=path in folders_of(film))
        if kind is not None:
            ctx.error(
                "O005",
                f"{said.rstrip(',')}: `{path.relative_to(root).as_posix()}` exists and is {kind}; "
                "a build writes only over regular files",
                where,
                help="choose another name, or move what is there",
            )
            return


def _not_ordinary(path: Path, *, directory: bool) -> str | None:
    """What ``path`` is if it exists and a build must not replace it (a device, a FIFO, a folder...)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None  # nothing there (or nothing we can see): the build creates it
    if directory:
        return None if stat.S_ISDIR(mode) else "not a folder"
    if stat.S_ISREG(mode):
        return None
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_store(ctx: Context) -> None:
    """S007 for a ``settings.store`` that is not ``s3://bucket/prefix`` (the team store's only form)."""
    from ..load.model import STORE_URL_PATTERN

    written = ctx.board.settings.store
    if written is not None and not re.fullmatch(STORE_URL_PATTERN, written):
        ctx.error(
            "S007",
            f"`store` must be an S3 URL, s3://bucket or s3://bucket/prefix; found `{written}`",
            ctx.at("settings", "store"),
            help="write e.g. `store: s3://team-bucket/storyboard`; the endpoint of a non-AWS server goes in "
            "STORYBOARD_STORE_ENDPOINT, the credentials in the AWS variables (never in the file)",
        )
