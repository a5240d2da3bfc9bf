from __future__ import annotations

import json
import sys
from decimal import Decimal

import click

from ..options import compile_file, output_format, provider_option, storyboard_file, tier_option
from ..render import diagnostics_json, print_diagnostics, summary


@click.command("plan")
@storyboard_file
@provider_option
@tier_option
@output_format
def command(file: str, provider: str | None, tier: str | None, fmt: str) -> None:
    """Show, per shot, `generate` or `cached`, the reasons and the price. Sends nothing.

    A quote needs no key and no upload bucket: what the build will need is listed instead.
    """
    from ...plan import make_plan
    from ...run import build_needs

    loaded, compiled = compile_file(file, provider, tier, staging=True)
    if compiled is None or not compiled.ok:
        if fmt == "json":
            click.echo(diagnostics_json(loaded.diagnostics, False), err=True)
        else:
            print_diagnostics(loaded.diagnostics, loaded.source, err=True, include_info=False)
            click.echo(summary(loaded.diagnostics, file), err=True)
        sys.exit(1)
    plan = make_plan(compiled)
    needs = build_needs(plan)
    if fmt == "json":
        # compact: json's C encoder only runs without indent, and plans can be 10,000 shots
        click.echo(json.dumps({**plan.to_json(), "needs": needs}, ensure_ascii=False, separators=(",", ":")))
        return
    print_diagnostics(compiled.diagnostics.warnings, loaded.source, err=True)
    click.echo(render_plan(plan, file))
    if needs:
        click.echo("Before building, set:\n" + "\n".join(f"  {need}" for need in needs))


def render_plan(plan, file: str) -> str:  # type: ignore[no-untyped-def]
    rows = []
    id_width = max([len(s.id) for s in plan.shots] + [4])
    for s in plan.shots:
        r = s.request
        price = usd(s.list_price) if s.action == "generate" else "-"
        if s.action == "generate" and s.estimate:
            price = "~" + price
        what = f"{s.billed_seconds:g}s {r['resolution']} {r['tier']}{' +video' if 'ref_video' in r else ''}"
        mark = click.style("generate", fg="yellow") if s.action == "generate" else click.style("cached  ", fg="green")
        rows.append(f"  {mark}  {s.id:<{id_width}}  {what:<22} {price:>8}  {'; '.join(s.reasons)}")
    gen = len(plan.to_generate)
    total = usd(plan.total)
    lines = [f"Plan for {file} (provider {plan.provider}):", *rows, ""]
    lines.append(
        f"{len(plan.shots)} shots: {gen} to generate, {len(plan.shots) - gen} cached. "
        f"Total: {'~' if plan.has_estimates else ''}{total}"
    )
    return "\n".join(lines)


def usd(amount: Decimal) -> str:
    """Dollars with cents, and a third decimal only where the price has one ($1.375)."""
    text = f"{amount:.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)
