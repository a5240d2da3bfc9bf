from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..options import deliverable_option, exclude_option, only_option, storyboard_file
from ..render import print_diagnostics, summary

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...ops.watching import Listener, Rebuild

    Report = Callable[[str, str, str], None]  # run.Report's shape: the CLI goes through ops, never run


@click.command("watch")
@storyboard_file
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None, help="Shots at a time (default: the previewer's limit)."
)
@only_option
@exclude_option
@deliverable_option
def command(
    file: str, jobs: int | None, only: tuple[str, ...], exclude: tuple[str, ...], deliverables: tuple[str, ...]
) -> None:
    """Rebuild the local preview (and its review page) whenever the storyboard or a file it uses changes.

    Every shot is rendered by the offline previewer, whatever provider the file names: watching
    never spends. An invalid edit prints its diagnostics and the watch goes on. Ctrl-C stops it.
    """
    from ...errors import SelectionError
    from ...ops.watching import watch

    try:
        watch(
            file,
            listener=_printer(file),
            jobs=jobs,
            only=only or None,
            exclude=exclude,
            deliverables=deliverables or None,
            display=file,
        )
    except SelectionError as exc:  # a mistyped --only, --exclude or --deliverable: a usage error, as for build
        raise click.UsageError(str(exc)) from exc


def _printer(file: str) -> Listener:
    """The listener that prints each round: what changed, the plan, the build's progress and result."""
    from ... import ops
    from ...ops.watching import Listener
    from ..progress import BuildProgress
    from .plan import render_plans, usd

    root = Path(file).resolve().parent

    class Printer(Listener):
        def checked(self, rebuild: Rebuild) -> None:
            stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            changed = ", ".join(_shown(p, root) for p in rebuild.changed)
            click.echo(f"{stamp} watch: {f'changed: {changed}' if changed else 'first build'}")
            checked = rebuild.checked
            assert checked is not None
            if not checked.valid:
                print_diagnostics(checked.diagnostics, checked.loaded.source, err=True, include_info=False)
                click.echo(summary(checked.diagnostics, file), err=True)
            else:
                print_diagnostics(checked.diagnostics.warnings, checked.loaded.source, err=True)

        def planned(self, rebuild: Rebuild) -> None:
            assert rebuild.prepared is not None
            click.echo(render_plans(rebuild.prepared.plans, file))

        def building(self, rebuild: Rebuild) -> AbstractContextManager[Report]:
            assert rebuild.prepared is not None
            plans = rebuild.prepared.plans
            named = plans.deliverables
            costs = {
                (s.label if not named else f"{p.deliverable}/{s.label}"): s.cost for p in plans.films for s in p.shots
            }
            return BuildProgress(list(costs), costs)

        def built(self, rebuild: Rebuild) -> None:
            if rebuild.selection and not rebuild.changed:
                return  # the first round's selection is a usage error: said once, by the command
            if rebuild.error is not None:
                click.echo(f"storyboard watch: {rebuild.error}", err=True)
            result = rebuild.result
            if result is not None:
                outcomes = [(sid, r) for f in result.films for sid, r in f.run.shots.items()]
                for sid, r in outcomes:
                    if r.status in ("failed", "skipped"):
                        click.echo(f"storyboard watch: shot `{sid}` {r.status}: {r.error}", err=True)
                built = sum(1 for _, r in outcomes if r.status == "built")
                cached = sum(1 for _, r in outcomes if r.status == "cached")
                failed = len(outcomes) - built - cached
                click.echo(f"{built} built, {cached} cached, {failed} failed; spent {usd(result.spent)}")
                for film in result.films:
                    name = f"{film.deliverable}: " if film.deliverable is not None else ""
                    if film.film.path is not None:
                        click.echo(f"{name}film: {film.film.path} ({film.film.method})  review: {film.film.review}")
                    elif film.film.missing:
                        click.echo(
                            f"{name}film not cut: no clip for {', '.join(film.film.missing)}"
                            f" ({ops.film_path(film.plan.compiled)})"
                        )
            click.echo(f"watching {file} for changes (Ctrl-C to stop)")

    return Printer()


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)
