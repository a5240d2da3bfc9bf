from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..options import (
    checked_or_usage,
    deliverable_option,
    exclude_option,
    only_option,
    output_format,
    provider_option,
    storyboard_file,
    tier_option,
)
from ..render import diagnostics_json, print_diagnostics, summary

if TYPE_CHECKING:
    from ...diagnostics import Diagnostics
    from ...ops import Checked, Prepared
    from ...plan import Plan, PlannedShot, Plans


@click.command("plan")
@storyboard_file
@provider_option
@tier_option
@output_format
@click.option("--replace", multiple=True, metavar="SEL", help="Price generating anew: shot (its picked take), shot#k.")
@only_option
@exclude_option
@deliverable_option
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    metavar="PLAN.json",
    help="Save the plan (keys, requests, prices, the inputs' hashes) for `build --plan`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would be generated, 3 when shots would (1 invalid, 2 usage as ever).",
)
def command(
    file: str,
    provider: str | None,
    tier: str | None,
    fmt: str,
    replace: tuple[str, ...],
    only: tuple[str, ...],
    exclude: tuple[str, ...],
    deliverables: tuple[str, ...],
    out: str | None,
    detailed_exitcode: bool,
) -> None:
    """Show, per shot, `generate` or `cached`, the reasons and the price. Sends nothing.

    A quote needs no key and no upload bucket: what the build will need is listed instead.
    """
    from ...ops import memo as memos

    options = {
        "provider": provider,
        "tier": tier,
        "format": fmt,
        "replace": replace,
        "only": only,
        "exclude": exclude,
        "deliverables": deliverables,
        "detailed_exitcode": detailed_exitcode,
    }
    memo = memos.for_plan(file, options) if out is None else None  # --out writes a file: answered in full
    if memo is not None:
        answer = memo.replay()
        if answer is not None:  # nothing it read has changed: the last answer, as written
            answer.emit()
            sys.exit(answer.code)
    from ..capture import captured

    with captured() as chunks:
        checked, prepared, code = answer_plan(file, fmt, out, options)
    if memo is not None:
        memo.save(checked, prepared, chunks, code)
    sys.exit(code)


def answer_plan(file: str, fmt: str, out: str | None, options: dict[str, Any]) -> tuple[Checked, Prepared, int]:
    """Check, quote and print the plan; returns what was read and the exit status (an invalid file exits here)."""
    from ... import ops
    from ...errors import PlanFileError, SelectionError
    from ..exits import CHANGES, OK

    provider, tier, deliverables = options["provider"], options["tier"], options["deliverables"]
    only, exclude, replace = options["only"], options["exclude"], options["replace"]
    checked = checked_or_usage(
        lambda: ops.check(file, provider=provider, tier=tier, staging=True, display=file, deliverables=deliverables)
    )
    project = checked.project
    if project is None or not checked.valid:
        invalid(checked, file, fmt)
    try:
        prepared = ops.quote(project, only=only, exclude=exclude, replace=",".join(replace) if replace else None)
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from exc
    plans = prepared.shown  # the rows and totals `build` with these selectors would show
    if out is not None:
        from ...ops import saved

        settings = saved.settings_of(provider, tier, deliverables, only, exclude, replace)
        try:
            saved.write(saved.document(project, prepared, settings), out, project)
        except (PlanFileError, OSError) as exc:
            raise click.UsageError(f"--out {out}: {exc}") from exc
    needs = ops.build_needs(plans)
    code = (CHANGES if prepared.todo else OK) if options["detailed_exitcode"] else OK
    if fmt == "json":
        doc = {**plans.to_json(), "needs": needs, **diagnostics_of(checked.diagnostics)}
        if prepared.selection is not None:
            doc["selection"] = sorted(prepared.selection)
            doc["selected_cost_usd"] = float(prepared.price)
        # compact: json's C encoder only runs without indent, and plans can be 10,000 shots
        click.echo(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
        return checked, prepared, code
    print_diagnostics(project.diagnostics.warnings, checked.loaded.source, err=True)
    click.echo(render_plans(plans, file))
    if prepared.selection is not None:
        click.echo(f"Selected ({' '.join(only)}): {len(prepared.todo)} to generate, {usd(prepared.price)}")
    if needs:
        click.echo("Before building, set:\n" + "\n".join(f"  {need}" for need in needs))
    if out is not None:
        click.echo(f"Plan saved to {out}: build exactly it with `storyboard build {file} --plan {out}`", err=True)
    return checked, prepared, code


def diagnostics_of(diagnostics: Diagnostics) -> dict[str, list[dict[str, object]]]:
    """The warnings and notes (severity info) of a valid file, in check's JSON form: plan JSON carries them."""
    ordered = diagnostics.sorted()
    return {
        "warnings": [d.to_json() for d in ordered if d.severity == "warning"],
        "notes": [d.to_json() for d in ordered if d.severity == "info"],
    }


def invalid(checked: Checked, file: str, fmt: str) -> NoReturn:
    """An invalid file: its diagnostics (JSON: check's document, on stdout as every JSON answer), exit 1."""
    from ..exits import FAILED

    if fmt == "json":
        click.echo(diagnostics_json(checked.diagnostics, False))
    else:
        print_diagnostics(checked.diagnostics, checked.loaded.source, err=True, include_info=False)
        click.echo(summary(checked.diagnostics, file), err=True)
    sys.exit(FAILED)


def render_plans(plans: Plans, file: str) -> str:
    """Every film's plan: one film as :func:`render_plan`; deliverables each under their own heading, a shot
    whose clips an earlier film already lists said in one line (group, don't repeat), a total per film and
    the overall total."""
    if not plans.deliverables:
        return render_plan(plans.films[0], file)
    lines = [f"Plan for {file}: {len(plans.films)} films", ""]
    seen: dict[str, dict[str, tuple[tuple[str, int], ...]]] = {}  # film -> shot id -> its takes' clips
    for plan in plans.films:
        name = plan.deliverable or ""
        settings = plan.compiled.effective.settings
        clips = {
            sid: tuple((s.key, s.take) for s in plan.shots if s.id == sid) for sid in {s.id: 0 for s in plan.shots}
        }
        same = {sid: next((f for f, c in seen.items() if c.get(sid) == mine), None) for sid, mine in clips.items()}
        seen[name] = clips
        shown = [s for s in plan.shots if same[s.id] is None]
        lines.append(
            f"{name}: {settings.aspect_ratio or '16:9'} {settings.resolution or '1080p'}, provider {plan.provider}"
            f" -> {_relative(plan)}"
        )
        lines.extend(_rows(plan, shown))
        for film in dict.fromkeys(f for f in same.values() if f is not None):
            ids = [sid for sid, f in same.items() if f == film]
            listed = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
            lines.append(f"  = {len(ids)} shot{'s' if len(ids) != 1 else ''} as in `{film}` (the same clips): {listed}")
        shared = len(plan.shared)
        lines.append(
            f"  {name}: {len(plan.to_generate)} to generate{f', {shared} shared' if shared else ''}, "
            f"{sum(1 for s in plan.shots if s.action == 'cached')} cached. "
            f"Total: {'~' if plan.has_estimates else ''}{usd(plan.total)}"
        )
        lines.append("")
    takes = sum(len(p.shots) for p in plans.films)
    lines.append(
        f"{len(plans.films)} films, {takes} takes: {len(plans.to_generate)} to generate"
        f" (each shared take once). Total: {'~' if plans.has_estimates else ''}{usd(plans.total)}"
    )
    return "\n".join(lines)


def _relative(plan: Plan) -> str:
    output = plan.compiled.output
    if output is None:
        return "?"
    try:
        return output.relative_to(plan.compiled.root.resolve()).as_posix()
    except ValueError:
        return str(output)


def render_plan(plan: Plan, file: str) -> str:
    """The plan as a table, one shot a line, and its total: what a user reads before spending.

    A shot with several takes gets one line of its own, then one short line per take under
    it (``#k``, the picked one starred), so a 3-take file stays as readable as a 1-take one."""
    gen = len(plan.to_generate)
    total = usd(plan.total)
    lines = [f"Plan for {file} (provider {plan.provider}):", *_rows(plan, plan.shots), ""]
    shots = sum(1 for s in plan.shots if s.picked)
    takes = f" ({len(plan.shots)} takes)" if len(plan.shots) != shots else ""
    unit = (" take" if gen == 1 else " takes") if takes else ""
    lines.append(
        f"{shots} shots{takes}: {gen}{unit} to generate, {len(plan.shots) - gen} cached. "
        f"Total: {'~' if plan.has_estimates else ''}{total}"
    )
    return "\n".join(lines)


def _rows(plan: Plan, shots: list[PlannedShot]) -> list[str]:
    """One line per shot; a shot with several takes is one line when its takes are alike (all new, or all
    cached), else a line of its own and one short line per take under it (``#k``, the picked one starred)."""
    rows = []
    id_width = max([len(s.id) for s in shots] + [6 if s.takes > 1 else 4 for s in shots] + [4])
    groups: dict[str, list[PlannedShot]] = {}
    for s in shots:
        groups.setdefault(s.id, []).append(s)
    for sid, takes in groups.items():
        r = takes[0].request
        what = f"{takes[0].billed_seconds:g}s {r['resolution']} {r['tier']}{' +video' if 'ref_video' in r else ''}"
        if len(takes) == 1 and takes[0].takes == 1:
            rows.append(_row(takes[0], sid, what, id_width, _price(takes[0]), "; ".join(takes[0].reasons)))
            continue
        pick = f"the cut uses #{_pick(plan, takes[0])}"
        if _alike(takes):
            first = takes[0]
            price = f"{len(takes)} x {_price(first)}" if _price(first) != "-" else "-"
            why = "new shot" if first.action == "generate" else "; ".join(first.reasons)
            rows.append(_row(first, sid, what, id_width, price, f"{why}: {len(takes)} takes, {pick}"))
            continue
        rows.append(f"  {'':8}  {sid:<{id_width}}  {what:<22} {'':>10}  {takes[0].takes} takes, {pick}")
        for s in takes:
            rows.append(
                _row(s, f"  #{s.take}{' *' if s.picked else ''}", "", id_width, _price(s), "; ".join(s.reasons))
            )
    return rows


def _alike(takes: list[PlannedShot]) -> bool:
    """Every take of the shot is in the plan, all new or all cached alike: one line says it."""
    first = takes[0]
    if len(takes) != first.takes or any(s.shared is not None or s.resumes for s in takes):
        return False
    if all(s.action == "cached" and s.reasons == first.reasons for s in takes):
        return True
    fresh = ["new shot: never built"] + [f"new take {s.take} of {s.takes}" for s in takes[1:]]
    return (
        all(s.action == "generate" for s in takes)
        and [s.reasons[0] for s in takes] == fresh
        and all(len(s.reasons) == 1 for s in takes)
    )


def _price(s: PlannedShot) -> str:
    if s.action != "generate" or s.shared is not None:
        return "-"
    return ("~" if s.estimate else "") + usd(s.list_price)


def _row(s: PlannedShot, name: str, what: str, width: int, price: str, why: str) -> str:
    if s.shared is not None:
        mark = click.style("shared  ", fg="cyan")
    elif s.action == "generate":
        mark = click.style("generate", fg="yellow")
    else:
        mark = click.style("cached  ", fg="green")
    return f"  {mark}  {name:<{width}}  {what:<22} {price:>10}  {why}"


def _pick(plan: Plan, s: PlannedShot) -> int:
    return plan.shot(s.id).take


def usd(amount: Decimal) -> str:
    """Dollars with cents, and a third decimal only where the price has one ($1.375)."""
    text = f"{amount:.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)
