"""The build report: per shot and take, what the build did, what it sent and paid, where the clip is.

A pipeline reads it instead of parsing progress lines: ``build --format json`` prints it and
every build writes it beside the film as ``<stem>.build.json`` (a sidecar, so the output
checks cover it), whether shots failed or not.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import Store
    from .building import FilmBuild

FORMAT = "storyboard-build"
VERSION = 1


def film_report(film: FilmBuild, store: Store) -> dict[str, Any]:
    """One film's part: its rows in plan order (every take, built or not), the film and what it spent."""
    plan = film.plan
    paid = {(s.key, s.take): s for s in sorted(store.spending(storyboard=plan.storyboard), key=lambda s: s.time)}
    rows = []
    for shot in plan.shots:
        outcome = film.run.shots.get(shot.label)
        action = outcome.status if outcome is not None else "unselected"
        spend = paid.get((shot.key, shot.take)) if action == "built" else None
        rows.append(
            {
                "shot": shot.id,
                "take": shot.take,
                "label": shot.label,
                "action": action,
                "planned": shot.action,
                "key": shot.key,
                "provider": shot.provider,
                "job_id": (spend.job if spend is not None else None) or shot.resumes,
                "list_cost_usd": float(shot.list_price),
                "reported_cost_usd": float(spend.reported_usd)
                if spend is not None and spend.reported_usd is not None
                else None,
                "cost_usd": float(outcome.cost) if outcome is not None else 0.0,
                "clip": _shown(outcome.clip, store.root.parent) if outcome is not None else None,
                "seconds": shot.billed_seconds,
                "wall_seconds": round(outcome.wall_seconds, 3) if outcome is not None else 0.0,
                "error": outcome.error if outcome is not None else None,
            }
        )
    made = film.film
    return {
        "deliverable": film.deliverable,
        "provider": plan.provider,
        "ok": film.run.ok,
        "film": str(made.path) if made.path is not None else None,
        "missing": made.missing,
        "spent_usd": float(film.run.spent),
        "shots": rows,
    }


def document(films: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole build's report: ok, spent and counts over every film, then each film's part."""
    rows = [r for f in films for r in f["shots"]]
    count = {a: sum(1 for r in rows if r["action"] == a) for a in ("built", "cached", "failed", "skipped")}
    return {
        "format": FORMAT,
        "version": VERSION,
        "ok": all(f["ok"] for f in films),
        "spent_usd": sum(f["spent_usd"] for f in films),
        **count,
        "films": films,
    }


def write(doc: dict[str, Any], path: Path) -> None:
    """Write a report whole (a temporary beside it, renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _shown(clip: Path | None, root: Path) -> str | None:
    if clip is None:
        return None
    try:
        return clip.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(clip)
