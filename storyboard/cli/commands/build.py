from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import NoReturn

import click

from ..options import (
    checked_or_usage,
    deliverable_option,
    exclude_option,
    only_option,
    provider_option,
    storyboard_file,
    tier_option,
)
from ..render import print_diagnostics


@click.command("build")
@storyboard_file
@provider_option
@tier_option
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None, help="Shots at a time (default: the provider's limit)."
)
@click.option("--budget", type=click.FloatRange(min=0), default=None, help="Refuse if the plan costs more (USD).")
@click.option("--yes", is_flag=True, help="Spend without asking (required off a terminal).")
@only_option
@exclude_option
@click.option(
    "--resubmit", is_flag=True, help="Send anew the selected shots' jobs whose outcome is unknown (see the journal)."
)
@click.option(
    "--replace", multiple=True, metavar="SEL", help="Generate anew although cached: shot (its picked take), shot#k."
)
@click.option(
    "--timeline",
    "timelines",
    multiple=True,
    type=click.Choice(["otio", "fcp7", "fcpx", "kdenlive", "otioz"]),
    help="Also write the timeline for an editor (repeatable): fcp7 (Premiere), fcpx, kdenlive, otioz.",
)
@deliverable_option
@click.option(
    "--plan",
    "saved_plan",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="PLAN.json",
    help="Build exactly this saved plan (`plan --out`); refuse, sending nothing, if any input changed since.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: print the build report (also written beside the film as <stem>.build.json).",
)
def command(
    file: str,
    provider: str | None,
    tier: str | None,
    jobs: int | None,
    budget: float | None,
    yes: bool,
    only: tuple[str, ...],
    exclude: tuple[str, ...],
    resubmit: bool,
    replace: tuple[str, ...],
    deliverables: tuple[str, ...],
    timelines: tuple[str, ...],
    saved_plan: str | None,
    fmt: str,
) -> None:
    """Run the plan: generate what changed, in dependency order, then cut the film."""
    from ... import ops
    from ...errors import BuildError, PlanFileError, SelectionError, StalePlan
    from ...ops import saved
    from ..exits import FAILED, OK, REFUSED
    from ..progress import BuildProgress
    from .plan import invalid, render_plans, usd

    loaded_plan = None
    if saved_plan is not None:
        if resubmit:
            raise click.UsageError("--plan builds exactly the saved plan; --resubmit cannot be added to it")
        try:
            loaded_plan = saved.read(saved_plan)
        except PlanFileError as exc:
            raise click.UsageError(f"--plan: {exc}") from exc
        kept = loaded_plan.settings  # the options it was planned with, unless given again (then compared)
        provider = provider if provider is not None else kept.get("provider")
        tier = tier if tier is not None else kept.get("tier")
        deliverables = deliverables or tuple(kept.get("deliverables") or ())
        only = only or tuple(kept.get("only") or ())
        exclude = exclude or tuple(kept.get("exclude") or ())
        replace = replace or tuple(kept.get("replace") or ())
    checked = checked_or_usage(
        lambda: ops.check(file, provider=provider, tier=tier, display=file, deliverables=deliverables)
    )
    project = checked.project
    if project is None or not checked.valid:
        invalid(checked, file, fmt)
    print_diagnostics(project.diagnostics.warnings, checked.loaded.source, err=True)
    try:
        joined = ",".join(replace) if replace else None
        if loaded_plan is None:
            prepared = ops.prepare(project, only=only, exclude=exclude, resubmit=resubmit, replace=joined)
        else:
            settings = saved.settings_of(provider, tier, deliverables, only, exclude, replace)
            prepared = saved.prepare(loaded_plan, project, settings, replace=joined)
    except (SelectionError, PlanFileError) as exc:
        raise click.UsageError(str(exc)) from exc
    except StalePlan as exc:
        click.echo(f"storyboard build: {saved_plan} is stale; nothing was sent. Since it was planned:", err=True)
        for change in exc.changes:
            click.echo(f"  {change}", err=True)
        click.echo(f"storyboard build: plan again (`storyboard plan {file} --out {saved_plan}`)", err=True)
        stop(fmt, REFUSED, "the saved plan is stale", exc.changes)
    except BuildError as exc:
        click.echo(f"storyboard build: {exc}", err=True)
        stop(fmt, FAILED, str(exc))
    plans, todo, price = prepared.plans, prepared.todo, prepared.price
    if price > 0:
        click.echo(render_plans(prepared.shown, file), err=True)  # the selection's rows and total
        if budget is not None and price > Decimal(str(budget)):
            over = f"the plan costs {usd(price)}, over the budget of {usd(Decimal(str(budget)))}"
            click.echo(f"storyboard build: {over}; nothing was sent", err=True)
            stop(fmt, REFUSED, over)
        if not yes:
            if not sys.stdin.isatty():
                asked = f"this build costs {usd(price)}; add --yes to spend it"
                click.echo(f"storyboard build: {asked} (nothing was sent)", err=True)
                stop(fmt, REFUSED, asked)
            takes = "shots" if all(t.takes == 1 for t in todo) else "takes"
            if not click.confirm(f"Spend {usd(price)} on {len(todo)} {takes}?", default=False, err=True):
                click.echo("nothing was sent", err=True)
                stop(fmt, REFUSED, "consent declined")
    named = plans.deliverables  # progress and messages name a deliverable's takes `film/shot#k`
    costs = {_label(p.deliverable if named else None, s.label): s.cost for p in plans.films for s in p.shots}
    with BuildProgress(list(costs), costs) as progress:
        result = ops.build(
            project,
            jobs=jobs,
            selection=prepared.selection,
            report=progress,
            plan=plans,
            resubmit=resubmit,
            timelines=timelines,
        )
    outcomes = [(_label(f.deliverable, sid), r) for f in result.films for sid, r in f.run.shots.items()]
    failed = [(sid, r) for sid, r in outcomes if r.status in ("failed", "skipped")]
    for sid, r in failed:
        click.echo(f"storyboard build: shot `{sid}` {r.status}: {r.error}", err=True)
    built = sum(1 for _, r in outcomes if r.status == "built")
    cached = sum(1 for _, r in outcomes if r.status == "cached")
    click.echo(f"{built} built, {cached} cached, {len(failed)} failed; spent {usd(result.spent)}", err=True)
    for film in result.films:
        name = f"{film.deliverable}: " if film.deliverable is not None else ""
        if film.film.path is not None:
            click.echo(f"{name}film: {film.film.path} ({film.film.method})", err=fmt == "json")
            click.echo(f"{name}timeline: {film.film.timeline}  review: {film.film.review}", err=True)
            for warning in film.film.warnings:
                click.echo(f"storyboard build: warning: {name}{warning}", err=True)
        elif film.film.missing:
            click.echo(
                f"{name}film not cut: no clip for {', '.join(film.film.missing)} ({ops.film_path(film.plan.compiled)})",
                err=True,
            )
    if fmt == "json":
        click.echo(json.dumps(result.report, ensure_ascii=False, separators=(",", ":")))
    sys.exit(OK if result.ok else FAILED)


def stop(fmt: str, code: int, why: str, changes: list[str] | None = None) -> NoReturn:
    """End a build that sent nothing; with ``--format json`` stdout still gets a document saying why."""
    if fmt == "json":
        doc = {"ok": False, "sent": False, "exit": code, "reason": why, **({"changes": changes} if changes else {})}
        click.echo(json.dumps(doc, ensure_ascii=False))
    sys.exit(code)


def _label(deliverable: str | None, label: str) -> str:
    return label if deliverable is None else f"{deliverable}/{label}"
