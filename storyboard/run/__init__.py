"""run: plan -> clips in the store -> the film. The whole of `storyboard build`, as a library."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import env
from ..compile import Compiled
from ..compile.request import frame_size
from ..load.model import DEFAULTS
from ..plan import Plan, make_plan
from ..store import Store
from .job import Generated, Job, Provider, Report

if TYPE_CHECKING:
    from ..media.probe import ClipInfo
from .runner import Runner, RunResult, ShotResult

__all__ = [
    "build",
    "build_needs",
    "check_ready",
    "BuildResult",
    "Generated",
    "Job",
    "Provider",
    "Report",
    "RunResult",
    "ShotResult",
    "film_path",
    "providers",
]


@dataclass
class BuildResult:
    plan: Plan
    run: RunResult
    film: Path | None
    cut_method: str | None  # copy | normalise | up to date
    missing: list[str]  # shots of the cut that have no clip
    timeline: Path | None = None  # the cut as OpenTimelineIO, beside the film
    review: Path | None = None  # the review page, beside the film

    @property
    def ok(self) -> bool:
        return self.run.ok


def providers(
    ids: set[str], store: Store, jobs: int | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Provider]:
    """The clients a build needs; a missing key or bad setting is a BuildError before anything is sent."""
    from .local import LocalProvider

    out: dict[str, Provider] = {"local": LocalProvider(jobs)} if "local" in ids else {}
    hosted = ids - {"local"}
    if hosted:
        from .hosted import hosted_providers

        out.update(hosted_providers(hosted, store, environ))
    return out


def check_ready(ids: set[str], environ: Mapping[str, str] | None = None) -> None:
    """Raise BuildError naming every provider key or setting a build of ``ids`` lacks."""
    hosted = ids - {"local"}
    if hosted:
        from .hosted import settings_for

        settings_for(hosted, environ)


def build_needs(plan: Plan, environ: Mapping[str, str] | None = None) -> list[str]:
    """What a build of ``plan`` still needs from its environment (keys, an upload bucket), in words.

    ``plan`` quotes a build before anything is set up (agencies price before they create the
    bucket); this list says what to set before ``build``. Empty when the build could start now.
    """
    import os

    environ = os.environ if environ is None else environ
    todo = plan.to_generate
    hosted = sorted({s.provider for s in todo} - {"local"})
    needs: list[str] = []
    for pid in hosted:
        key = env.for_provider(env.API_KEY, pid)  # each adapter's key_env (tests/test_env.py)
        if not environ.get(key, "").strip():
            needs.append(f"{key}: your {pid} API key")
    if not environ.get(env.UPLOAD_URL):
        uploads = [(s.id, what) for s in todo for what in plan.compiled.shots[s.id].uploads]
        if uploads:
            shots = sorted({sid for sid, _ in uploads})
            needs.append(
                f"STORYBOARD_UPLOAD_URL=s3://bucket/prefix: {len(uploads)} local input{'s' if len(uploads) != 1 else ''} "
                f"of {', '.join(f'`{sid}`' for sid in shots)} {'goes' if len(uploads) == 1 else 'go'} to a provider that takes only URLs"
            )
    return needs


def film_path(compiled: Compiled) -> Path:
    board = compiled.loaded.storyboard
    assert board is not None
    output = board.settings.output or f"out/{compiled.loaded.source.path.stem}.mp4"
    return (compiled.root / output).resolve()


def build(
    compiled: Compiled,
    *,
    jobs: int | None = None,
    selection: set[str] | None = None,
    report: Report | None = None,
    available: dict[str, Provider] | None = None,
    plan: Plan | None = None,
    resubmit: bool = False,
    environ: Mapping[str, str] | None = None,
) -> BuildResult:
    """Generate what the plan says, in dependency order, then cut the film.

    ``resubmit`` forgets the journalled jobs of the selected shots (a submit that got no
    answer, a result that can no longer be fetched) so they are sent anew.
    """
    with Store(compiled.root, create=True) as store:
        plan = plan if plan is not None else make_plan(compiled, store)
        todo = plan.selected(selection)
        if resubmit:
            for shot in todo:
                store.journal_forget(shot.key)
        runner = Runner(
            plan,
            store,
            available if available is not None else providers({s.provider for s in todo}, store, jobs, environ),
            jobs=jobs,
            selection=selection,
            report=report or (lambda *a: None),
        )
        result = asyncio.run(runner.run())
        return _cut(compiled, plan, store, result)


def _cut(compiled: Compiled, plan: Plan, store: Store, result: RunResult) -> BuildResult:
    from ..cut import cut_film, film_sequence

    clips = {sid: r.clip for sid, r in result.shots.items() if r.clip is not None}
    missing = [sid for sid in compiled.cut if sid not in clips]
    if missing or not compiled.cut:
        return BuildResult(plan, result, None, None, missing)
    extends = {
        sid: edge.parent for sid, shot in compiled.shots.items() for edge in shot.edges if edge.kind == "extends"
    }
    infos = {sid: _info(store, plan.shot(sid).key, path) for sid, path in clips.items() if sid in compiled.cut}
    sequence = film_sequence(compiled.cut, extends, infos, {sid: compiled.shots[sid].seconds for sid in extends})
    board = compiled.loaded.storyboard
    assert board is not None
    size = frame_size(
        board.settings.resolution or DEFAULTS["resolution"], board.settings.aspect_ratio or DEFAULTS["aspect_ratio"]
    )
    output = film_path(compiled)
    keys = [plan.shot(sid).key for sid in sequence]
    film_key = hashlib.sha256(repr((keys, size)).encode()).hexdigest()
    record = f"film:{plan.storyboard}"
    row = store.db.execute("SELECT value FROM meta WHERE name = ?", (record,)).fetchone()
    timeline, review = output.with_suffix(".otio"), output.with_suffix(".html")
    if output.is_file() and row is not None and row[0] == f"{film_key}:{_stamp(output)}":
        if not (timeline.is_file() and review.is_file()):
            _sidecars(compiled, plan, result, sequence, clips, infos, output)
        return BuildResult(plan, result, output, "up to date", [], timeline, review)
    cut = cut_film([clips[sid] for sid in sequence], output, size, [infos[sid] for sid in sequence])
    store.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (record, f"{film_key}:{_stamp(output)}"))
    _sidecars(compiled, plan, result, sequence, clips, infos, output)
    return BuildResult(plan, result, cut.film, cut.method, [], timeline, review)


def _sidecars(
    compiled: Compiled,
    plan: Plan,
    result: RunResult,
    sequence: list[str],
    clips: dict[str, Path],
    infos: dict[str, ClipInfo],
    film: Path,
) -> None:
    """The timeline and the review page, written beside the film whenever it is cut."""
    from ..cut.review import write_review
    from ..cut.timeline import FilmShot, write_timeline

    shots: list[FilmShot] = []
    start = 0.0
    for sid in sequence:
        request = compiled.shots[sid].request
        assert request is not None
        planned = plan.shot(sid)
        info = infos[sid]
        shots.append(
            FilmShot(sid, clips[sid], start, info.seconds, info.fps, request.prompt, planned.provider, planned.key,
                     planned.list_price, result.shots[sid].status)
        )  # fmt: skip
        start += info.seconds
    board = compiled.loaded.storyboard
    title = (board.title if board is not None else None) or compiled.loaded.source.path.stem
    write_timeline(shots, film.with_suffix(".otio"), title)
    write_review(shots, film, film.with_suffix(".html"), title)


def _stamp(path: Path) -> str:
    """The film file as last written by us: a changed or replaced file is cut again."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _info(store: Store, key: str, clip: Path) -> ClipInfo:
    from ..media.probe import ClipInfo, probe_clip

    known = store.clip_info(key)
    if known is not None:
        return ClipInfo.from_json(known)
    info = probe_clip(clip)
    store.remember_clip_info(key, info.to_json())
    return info
