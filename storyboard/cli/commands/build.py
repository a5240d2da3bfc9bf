from __future__ import annotations

import sys
from decimal import Decimal

import click

from ..options import provider_option, storyboard_file, tier_option
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
@click.option(
    "--only", "only", default=None, metavar="SEL", help="Build only: shot, shot+ (and after), +shot (and before)."
)
@click.option(
    "--resubmit", is_flag=True, help="Send anew the selected shots' jobs whose outcome is unknown (see the journal)."
)
@click.option(
    "--replace", multiple=True, metavar="SEL", help="Generate anew although cached: shot (its picked take), shot#k."
)
def command(
    file: str,
    provider: str | None,
    tier: str | None,
    jobs: int | None,
    budget: float | None,
    yes: bool,
    only: str | None,
    resubmit: bool,
    replace: tuple[str, ...],
) -> None:
    """Run the plan: generate what changed, in dependency order, then cut the film."""
    from ... import ops
    from ...errors import BuildError, SelectionError
    from ..progress import BuildProgress
    from .plan import render_plan, usd

    checked = ops.check(file, provider=provider, tier=tier, display=file)
    compiled = checked.compiled
    if compiled is None or not checked.valid:
        print_diagnostics(checked.diagnostics, checked.loaded.source, err=True, include_info=False)
        click.echo(summary(checked.diagnostics, file), err=True)
        sys.exit(1)
    print_diagnostics(compiled.diagnostics.warnings, checked.loaded.source, err=True)
    try:
        prepared = ops.prepare(compiled, only=only, resubmit=resubmit, replace=",".join(replace) or None)
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from exc
    except BuildError as exc:
        click.echo(f"storyboard build: {exc}", err=True)
        sys.exit(1)
    plan, todo, price = prepared.plan, prepared.todo, prepared.price
    if price > 0:
        click.echo(render_plan(plan, file), err=True)
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
            if not click.confirm(f"Spend {usd(price)} on {len(todo)} shots?", default=False, err=True):
                click.echo("nothing was sent", err=True)
                sys.exit(1)
    costs = {s.label: s.cost for s in plan.shots}
    with BuildProgress([s.label for s in plan.shots], costs) as progress:
        result = ops.build(
            compiled, jobs=jobs, selection=prepared.selection, report=progress, plan=plan, resubmit=resubmit
        )
    failed = {sid: r for sid, r in result.run.shots.items() if r.status in ("failed", "skipped")}
    for sid, r in failed.items():
        click.echo(f"storyboard build: shot `{sid}` {r.status}: {r.error}", err=True)
    built = sum(1 for r in result.run.shots.values() if r.status == "built")
    cached = sum(1 for r in result.run.shots.values() if r.status == "cached")
    click.echo(f"{built} built, {cached} cached, {len(failed)} failed; spent {usd(result.run.spent)}", err=True)
    if result.film is not None:
        click.echo(f"film: {result.film} ({result.cut_method})")
        click.echo(f"timeline: {result.timeline}  review: {result.review}", err=True)
    elif result.missing:
        click.echo(f"film not cut: no clip for {', '.join(result.missing)} ({ops.film_path(compiled)})", err=True)
    sys.exit(0 if result.ok else 1)
