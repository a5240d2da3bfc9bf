"""Saved plans: ``plan --out PLAN.json`` writes what was approved, ``build --plan`` builds exactly that.

Terraform's plan and apply: the file holds every shot's key, request, price and reasons and
the content hashes of the inputs (the storyboard's bytes, each media file, the settings that
decide the plan). A build of a saved plan plans afresh and refuses, sending nothing, when
anything differs, naming each change, so a file edited between approval and build never
spends on what nobody approved.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PlanFileError, StalePlan

if TYPE_CHECKING:
    from ..compile import Project
    from .preparing import Prepared

FORMAT = "storyboard-plan"
VERSION = 1
SETTINGS = ("provider", "tier", "deliverables", "only", "exclude", "replace")  # the options that decide a plan


@dataclass(frozen=True)
class SavedPlan:
    """A plan file as read back: its document, checked to be a storyboard plan of this version."""

    path: Path
    document: dict[str, Any]

    @property
    def storyboard(self) -> str:
        """The file name of the storyboard it plans."""
        return str(self.document["storyboard"])

    @property
    def settings(self) -> dict[str, Any]:
        """The options it was planned with (``--provider``, ``--tier``, ``--deliverable``, ``--only``, ``--replace``)."""
        return dict(self.document["settings"])

    @property
    def selection(self) -> set[str] | None:
        """The shots and takes the build sends (None: every shot), as resolved when the plan was made."""
        chosen = self.document["selection"]
        return None if chosen is None else set(chosen)


def settings_of(
    provider: str | None,
    tier: str | None,
    deliverables: tuple[str, ...],
    only: tuple[str, ...],
    exclude: tuple[str, ...],
    replace: tuple[str, ...],
) -> dict[str, Any]:
    """The options as a plan file keeps them (a JSON object, compared key by key)."""
    return {
        "provider": provider,
        "tier": tier,
        "deliverables": list(deliverables),
        "only": list(only),
        "exclude": list(exclude),
        "replace": list(replace),
    }


def document(project: Project, prepared: Prepared, settings: dict[str, Any]) -> dict[str, Any]:
    """The plan file's JSON: every film's rows (each saying whether the build sends it), the inputs' hashes."""
    from ..plan.select import matches

    plans = prepared.plans
    return {
        "format": FORMAT,
        "version": VERSION,
        "storyboard": project.loaded.source.path.name,
        "settings": settings,
        "selection": None if prepared.selection is None else sorted(prepared.selection),
        "films": [{"deliverable": p.deliverable, "provider": p.provider} for p in plans.films],
        "inputs": {"files": input_hashes(project)},
        "shots": [
            {"deliverable": p.deliverable, **s.to_json(), "selected": matches(prepared.selection, s.id, s.take)}
            for p in plans.films
            for s in p.shots
        ],
        "total_cost_usd": float(prepared.price),
    }


def write(doc: dict[str, Any], path: str | os.PathLike[str], project: Project | None = None) -> Path:
    """Write the plan file whole or not at all (a temporary beside it, renamed over it); never over
    ``project``'s storyboard, one of its inputs, its store or a film or sidecar a build writes."""
    target = Path(path)
    if project is not None:
        _check_target(target, project)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise PlanFileError(f"{target} exists and is not a regular file; a plan is written only over a file")
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, target)
    return target


def _check_target(target: Path, project: Project) -> None:
    from ..compile.output import outputs_of
    from .film import film_path

    where = target.resolve()
    root = project.root.resolve()
    sources = {project.loaded.source.path.resolve()}
    inputs = {p.resolve() for film in project.films for shot in film.shots.values() for p in shot.files.values()}
    outputs = {p for film in project.films for p in outputs_of(film_path(film))}
    if where in sources:
        raise PlanFileError(f"{target} is the storyboard itself; write the plan to its own file, e.g. PLAN.json")
    if where in inputs:
        raise PlanFileError(f"{target} is an input of this storyboard; write the plan to its own file")
    if where in outputs:
        raise PlanFileError(f"{target} is a film or sidecar a build writes; write the plan to its own file")
    if root / ".storyboard" in where.parents:
        raise PlanFileError(f"{target} is inside .storyboard/, the clip store; write the plan elsewhere")


def read(path: str | os.PathLike[str]) -> SavedPlan:
    """The plan file at ``path``; ``PlanFileError`` saying why for one that is unreadable, not JSON, not a
    storyboard plan, or of another version."""
    where = Path(path)
    try:
        raw = where.read_bytes()
    except OSError as exc:
        raise PlanFileError(f"{where}: cannot be read ({exc.strerror or exc})") from exc
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanFileError(f"{where}: not a plan file (not JSON: {exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise PlanFileError(f"{where}: not a storyboard plan (write one with `storyboard plan FILE --out {where}`)")
    if doc.get("version") != VERSION:
        raise PlanFileError(
            f"{where}: a storyboard plan of version {doc.get('version')!r}; this storyboard reads version {VERSION}"
        )
    shape = {"storyboard": str, "settings": dict, "films": list, "inputs": dict, "shots": list}
    for name, kind in shape.items():
        if not isinstance(doc.get(name), kind):
            raise PlanFileError(f"{where}: a damaged plan file (`{name}` missing or not a {kind.__name__})")
    if doc.get("selection") is not None and not isinstance(doc["selection"], list):
        raise PlanFileError(f"{where}: a damaged plan file (`selection` is not a list)")
    if not isinstance(doc["inputs"].get("files"), dict) or not all(
        isinstance(r, dict) and {"id", "take", "key", "action", "request"} <= r.keys() for r in doc["shots"]
    ):
        raise PlanFileError(f"{where}: a damaged plan file (its inputs or shots are incomplete)")
    return SavedPlan(where, doc)


def changes(saved: SavedPlan, project: Project, prepared: Prepared, settings: dict[str, Any]) -> list[str]:
    """What differs between the saved plan and this one, in words; empty when the build is exactly the plan."""
    found: list[str] = []
    old_settings = saved.settings
    for name in SETTINGS:
        if old_settings.get(name) != settings.get(name):
            found.append(f"--{name} changed: {_show(old_settings.get(name))} -> {_show(settings.get(name))}")
    old_films = {f.get("deliverable"): f.get("provider") for f in saved.document["films"] if isinstance(f, dict)}
    for plan in prepared.plans.films:
        was = old_films.get(plan.deliverable)
        if plan.deliverable in old_films and was != plan.provider:
            found.append(f"provider changed: {was} -> {plan.provider}")
    old_files: dict[str, Any] = saved.document["inputs"]["files"]
    now_files = input_hashes(project)
    for rel, digest in old_files.items():
        if rel not in now_files:
            found.append(f"{rel} is no longer an input" if _exists(project, rel) else f"{rel} removed")
        elif now_files[rel] != digest:
            found.append(f"{rel} changed")
    found.extend(f"new input file {rel}" for rel in now_files if rel not in old_files)
    found.extend(_row_changes(saved, prepared))
    if (saved.selection is None) != (prepared.selection is None) or (saved.selection or set()) != (
        prepared.selection or set()
    ):
        found.append("the selection changed")
    return list(dict.fromkeys(found))


def verify(saved: SavedPlan, project: Project, prepared: Prepared, settings: dict[str, Any]) -> None:
    """``StalePlan`` naming every change when the build would not be exactly the saved plan."""
    if saved.storyboard != project.loaded.source.path.name:
        raise PlanFileError(f"{saved.path} is a plan of {saved.storyboard}, not of {project.loaded.source.path.name}")
    found = changes(saved, project, prepared, settings)
    if found:
        raise StalePlan(found)


def prepare(
    saved: SavedPlan,
    project: Project,
    settings: dict[str, Any],
    *,
    replace: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Prepared:
    """The build of ``saved``: planned afresh with its selection, compared with it (``StalePlan`` naming each
    change, ``PlanFileError`` for another storyboard's plan), then checked ready (``BuildError``). Sends nothing."""
    from ..run import check_ready
    from .preparing import prepare as prepare_build

    prepared = prepare_build(project, replace=replace, selection=saved.selection, ready=False, environ=environ)
    verify(saved, project, prepared, settings)
    check_ready({s.provider for s in prepared.todo}, environ)
    return prepared


def _row_changes(saved: SavedPlan, prepared: Prepared) -> list[str]:
    from ..plan.select import matches

    old = {(r.get("deliverable"), r["id"], r["take"]): r for r in saved.document["shots"]}
    found: list[str] = []
    seen: set[tuple[str | None, str, int]] = set()
    for plan in prepared.plans.films:
        for row in plan.shots:
            where = (plan.deliverable, row.id, row.take)
            seen.add(where)
            name = row.label if plan.deliverable is None else f"{plan.deliverable}/{row.label}"
            shot = row.id if plan.deliverable is None else f"{plan.deliverable}/{row.id}"
            before = old.get(where)
            sends = row.action == "generate" and row.shared is None and matches(prepared.selection, row.id, row.take)
            if before is None:
                found.append(f"shot `{name}` is new since the plan")
                continue
            if before["key"] != row.key:
                said = _request_changes(before["request"], row.request, shot)
                found.extend(said or [f"shot `{name}`: an input it is built on changed"])
            planned = before["action"] == "generate" and before.get("selected", True) and "shared_with" not in before
            if sends and not planned:
                found.append(f"shot `{name}` was {before['action']} in the plan, would now be generated: "
                             + "; ".join(row.reasons))  # fmt: skip
            elif sends and before.get("cost_usd") != float(row.cost):
                found.append(
                    f"price of shot `{name}` changed: ${float(before.get('cost_usd') or 0):.2f} -> ${row.cost:.2f}"
                )
    found.extend(f"shot `{sid}` is no longer in the file" for d, sid, take in old if (d, sid, take) not in seen)
    return found


def _request_changes(old: Any, new: dict[str, Any], shot: str) -> list[str]:
    if not isinstance(old, dict):
        return []
    found = []
    for name in sorted(set(old) | set(new), key=lambda n: (n != "provider", n != "prompt", n)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if name == "provider":
            found.append(f"provider changed: {a} -> {b}")
        elif isinstance(a, str | int | float | None) and isinstance(b, str | int | float | None) and name != "prompt":
            found.append(f"{name} of shot `{shot}` changed: {_show(a)} -> {_show(b)}")
        else:
            found.append(f"{name} of shot `{shot}` changed")
    return found


def input_hashes(project: Project) -> dict[str, str]:
    """sha256 of the storyboard's bytes, each file it includes, each prompt template its prompts read, and
    each local media file (a shot's inputs, the soundtrack, the captions, a card's image), by path relative
    to the storyboard's folder."""
    root = project.root.resolve()
    loaded = project.loaded
    hashes = {_relative(s.path, root): _sha256(s.path) for s in loaded.sources}
    for template in sorted(loaded.templates):
        hashes.setdefault(_relative(template, root), _sha256(template))
    for film in project.films:
        for shot in film.shots.values():
            for rel, path in sorted(shot.files.items()):
                hashes.setdefault(rel, _sha256(path))
        cut = [s.file for s in film.soundtrack]
        cut += [film.captions.file] if film.captions is not None else []
        cut += [e.card.image for e in film.entries if e.card is not None and e.card.image is not None]
        for path in cut:
            hashes.setdefault(_relative(path, root), _sha256(path))
    return hashes


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _exists(project: Project, rel: str) -> bool:
    return (project.root / rel).exists()


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return "unreadable"


def _show(value: Any) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
