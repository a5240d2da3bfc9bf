"""The build's progress: a live table on a terminal, one line per change elsewhere.

A row per take, and a row per film for its cut (``(cut)``, ``<deliverable>/(cut)``: conforming
k/n, joining, done, up to date), added when first reported. The table is drawn afresh at
every refresh, so the clock runs while nothing reports (a long cut, a slow provider).

Off a terminal (a CI log, a pipe) each change is one line, ``<UTC time> <shot> <state>[: <detail>]``
(``2026-05-04T09:12:03.250Z open failed: HTTP 500 ...``), written as is: never wrapped at the
console's width, never split, so a log can be grepped and read by a machine.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

_STYLE = {
    "waiting": "dim",
    "rendering": "cyan",
    "submitted": "cyan",
    "polling": "cyan",
    "downloading": "cyan",
    "uploading": "cyan",  # a clip on its way to the team store (run/team.py)
    "done": "green",
    "cached": "green",
    "failed": "bold red",
    "skipped": "yellow",
    "conforming": "cyan",
    "joining": "cyan",
    "encoding": "cyan",  # the cut's transitions, cards and trimmed pieces (cut/render.py)
    "mixing": "cyan",  # the cut's soundtrack, loudness and captions (cut/finish.py)
    "up to date": "green",
}


class BuildProgress:
    """Receives the runner's reports: (shot, state, detail)."""

    def __init__(self, shots: list[str], costs: dict[str, Decimal], console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.order = list(shots)
        self.costs = costs
        self.states: dict[str, tuple[str, str]] = {s: ("waiting", "") for s in shots}
        self.started = time.monotonic()
        self.live: Live | None = None

    @property
    def spent(self) -> Decimal:
        """USD of the shots reported done so far, at the plan's price (the bill may differ); cached shots count 0."""
        return sum((self.costs.get(s, Decimal(0)) for s, (st, _) in self.states.items() if st == "done"), Decimal(0))

    def __enter__(self) -> BuildProgress:
        if self.console.is_terminal:
            self.live = Live(
                console=self.console, refresh_per_second=8, transient=False, get_renderable=self._table
            )  # get_renderable: redrawn at each refresh, so the clock in the title keeps time
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.refresh()
            self.live.__exit__(*exc)

    def __call__(self, shot: str, state: str, detail: str) -> None:
        if self.states.get(shot) == (state, detail):
            return
        if shot not in self.states:
            self.order.append(shot)  # a row not known up front: a film's cut
        self.states[shot] = (state, detail)
        if self.live is not None:
            self.live.refresh()
        elif state != "waiting":
            stream = self.console.file  # not console.print: rich wraps at the width it guesses (80 off a tty)
            stream.write(log_line(shot, state, detail) + "\n")
            stream.flush()  # a CI log or a watching process sees the event when it happens

    def _table(self) -> Table:
        elapsed = time.monotonic() - self.started
        table = Table(title=f"storyboard build  {elapsed:5.1f}s  spent ${self.spent:.2f}", title_justify="left")
        table.add_column("shot")
        table.add_column("state")
        table.add_column("detail", overflow="fold")
        for shot in self.order:
            state, detail = self.states[shot]
            table.add_row(shot, f"[{_STYLE.get(state, '')}]{state}[/]", detail)
        return table


def log_line(shot: str, state: str, detail: str, when: datetime | None = None) -> str:
    """One event as a log line: ``<ISO-8601 UTC, ms> <shot> <state>[: <detail>]``, a detail's line breaks
    made spaces so that one event is always one line."""
    stamp = (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    note = f": {' '.join(detail.splitlines())}" if detail else ""
    return f"{stamp} {shot} {state}{note}"
