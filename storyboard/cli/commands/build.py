from __future__ import annotations

import sys
from decimal import Decimal

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
from ..render import print_diagnostics, summary


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
) -> None:
    """Run the plan: generate what changed, in dependency order, then cut the film."""
    from ... import ops
    from ...errors import BuildError, SelectionError
    from ..progress import BuildProgress
    from .plan import render_plans, usd

    checked = checked_or_usage(
        lambda: ops.check(file, provider=provider, tier=tier, display=file, deliverables=deliverables)
    )
    project = checked.project
    if project is None or not checked.valid:
        print_diagnostics(checked.diagnostics, checked.loaded.source, err=True, include_info=False)
        click.echo(summary(checked.diagnostics, file), err=True)
        sys.exit(1)
    print_diagnostics(project.diagnostics.warnings, checked.loaded.source, err=True)
    try:
        prepared = ops.prepare(
            project, only=only, exclude=exclude, resubmit=resubmit, replace=",".join(replace) if replace else None
        )
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from exc
    except BuildError as exc:
        click.echo(f"storyboard build: {exc}", err=True)
        sys.exit(1)
    plans, todo, price = prepared.plans, prepared.todo, prepared.price
    if price > 0:
        click.echo(render_plans(prepared.shown, file), err=True)  # the selection's rows and total
        if budget is not None and price > Decimal(str(budget)):
            click.echo(
                f"storyboard build: the plan costs {usd(price)}, over the budget of {usd(Decimal(str(budget)))}; nothing was sent",
                err=True,
            )
            sys.exit(1)
        if not yes:
            if not sys.stdin.isatty():
                click.echo(
                    f"storyboard build: this build costs {usd(price)}; add --yes to spend it (nothing was sent)",
                    err=True,
                )
                sys.exit(1)
            takes = "shots" if all(t.takes == 1 for t in todo) else "takes"
            if not click.confirm(f"Spend {usd(price)} on {len(todo)} {takes}?", default=False, err=True):
                click.echo("nothing was sent", err=True)
                sys.exit(1)
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
            click.echo(f"{name}film: {film.film.path} ({film.film.method})")
            click.echo(f"{name}timeline: {film.film.timeline}  review: {film.film.review}", err=True)
            for warning in film.film.warnings:
                click.echo(f"storyboard build: warning: {name}{warning}", err=True)
        elif film.film.missing:
            click.echo(
                f"{name}film not cut: no clip for {', '.join(film.film.missing)} ({ops.film_path(film.plan.compiled)})",
                err=True,
            )
    sys.exit(0 if result.ok else 1)


def _label(deliverable: str | None, label: str) -> str:
    return label if deliverable is None else f"{deliverable}/{label}"
