from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import TYPE_CHECKING

import click

from ..options import output_format, provider_option, storyboard_file, tier_option
from ..render import diagnostics_json, print_diagnostics, summary

if TYPE_CHECKING:
    from ...plan import Plan, PlannedShot


@click.command("plan")
@storyboard_file
@provider_option
@tier_option
@output_format
@click.option("--replace", multiple=True, metavar="SEL", help="Price generating anew: shot (its picked take), shot#k.")
def command(file: str, provider: str | None, tier: str | None, fmt: str, replace: tuple[str, ...]) -> None:
    """Show, per shot, `generate` or `cached`, the reasons and the price. Sends nothing.

    A quote needs no key and no upload bucket: what the build will need is listed instead.
    """
    from ... import ops

    checked = ops.check(file, provider=provider, tier=tier, staging=True, display=file)
    compiled = checked.compiled
    if compiled is None or not checked.valid:
        if fmt == "json":
            click.echo(diagnostics_json(checked.diagnostics, False), err=True)
        else:
            print_diagnostics(checked.diagnostics, checked.loaded.source, err=True, include_info=False)
            click.echo(summary(checked.diagnostics, file), err=True)
        sys.exit(1)
    from ...errors import SelectionError

    try:
        plan = ops.plan(compiled, replace=",".join(replace) or None)
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from exc
    needs = ops.build_needs(plan)
    if fmt == "json":
        # compact: json's C encoder only runs without indent, and plans can be 10,000 shots
        click.echo(json.dumps({**plan.to_json(), "needs": needs}, ensure_ascii=False, separators=(",", ":")))
        return
    print_diagnostics(compiled.diagnostics.warnings, checked.loaded.source, err=True)
    click.echo(render_plan(plan, file))
    if needs:
        click.echo("Before building, set:\n" + "\n".join(f"  {need}" for need in needs))


def render_plan(plan: Plan, file: str) -> str:
    """The plan as a table, one shot a line, and its total: what a user reads before spending.

    A shot with several takes gets one line of its own, then one short line per take under
    it (``#k``, the picked one starred), so a 3-take file stays as readable as a 1-take one."""
    rows = []
    id_width = max([len(s.id) for s in plan.shots] + [6 if s.takes > 1 else 4 for s in plan.shots] + [4])
    for s in plan.shots:
        r = s.request
        what = f"{s.billed_seconds:g}s {r['resolution']} {r['tier']}{' +video' if 'ref_video' in r else ''}"
        if s.takes > 1 and s.take == 1:
            rows.append(
                f"  {'':8}  {s.id:<{id_width}}  {what:<22} {'':>8}  {s.takes} takes, the cut uses #{_pick(plan, s)}"
            )
        price = usd(s.list_price) if s.action == "generate" else "-"
        if s.action == "generate" and s.estimate:
            price = "~" + price
        mark = click.style("generate", fg="yellow") if s.action == "generate" else click.style("cached  ", fg="green")
        name = s.id if s.takes == 1 else f"  #{s.take}{' *' if s.picked else ''}"
        shown = what if s.takes == 1 else ""
        rows.append(f"  {mark}  {name:<{id_width}}  {shown:<22} {price:>8}  {'; '.join(s.reasons)}")
    gen = len(plan.to_generate)
    total = usd(plan.total)
    lines = [f"Plan for {file} (provider {plan.provider}):", *rows, ""]
    shots = sum(1 for s in plan.shots if s.picked)
    takes = f" ({len(plan.shots)} takes)" if len(plan.shots) != shots else ""
    unit = (" take" if gen == 1 else " takes") if takes else ""
    lines.append(
        f"{shots} shots{takes}: {gen}{unit} to generate, {len(plan.shots) - gen} cached. "
        f"Total: {'~' if plan.has_estimates else ''}{total}"
    )
    return "\n".join(lines)


def _pick(plan: Plan, s: PlannedShot) -> int:
    return plan.shot(s.id).take


def usd(amount: Decimal) -> str:
    """Dollars with cents, and a third decimal only where the price has one ($1.375)."""
    text = f"{amount:.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)
