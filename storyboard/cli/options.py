"""Options and steps shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..providers import PROVIDERS

storyboard_file = click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, allow_dash=False))
output_format = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
provider_option = click.option(
    "--provider", type=click.Choice(PROVIDERS), default=None, help="Override the provider of every shot."
)
tier_option = click.option(
    "--tier", type=click.Choice(["std", "fast"]), default=None, help="Override the tier of every shot."
)

deliverable_option = click.option(
    "--deliverable",
    "deliverables",
    multiple=True,
    metavar="NAME",
    help="Only this deliverable's film (repeatable). Default: every film of the file.",
)

_SELECTORS = "shot, shot+ (and after), +shot (and before), shot#k, tag:NAME, character:NAME, state:modified"
only_option = click.option(
    "--only",
    "only",
    multiple=True,
    metavar="SEL",
    help=f"Only these ({_SELECTORS}); commas unite, a repeated --only intersects.",
)
exclude_option = click.option(
    "--exclude", "exclude", multiple=True, metavar="SEL", help="Leave these out (the same selectors as --only)."
)


def checked_or_usage(checked: Callable[[], Any]) -> Any:
    """``checked()`` (an ``ops.check``), a ``--deliverable`` the file lacks being a usage error (exit 2)."""
    from ..errors import SelectionError

    try:
        return checked()
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from exc


def common(*decorators: Callable[..., Any]) -> Callable[..., Any]:
    """Stacks click decorators into one, the first outermost (as if written above the command in that order)."""

    def apply(f: Callable[..., Any]) -> Callable[..., Any]:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply
