"""The `storyboard` command: a thin layer over the library.

Commands live in :mod:`storyboard.cli.commands` and are imported only when invoked, so
``storyboard --help`` loads click and nothing else.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import sys
from types import FrameType
from typing import Any, NoReturn

import click

from .. import __version__
from ..env import DEBUG
from .exits import FAILED, INTERNAL, INTERRUPTED

# name -> (module, one-line help); the help is here so listing commands imports nothing
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "Check a storyboard and print every diagnostic."),
    "plan": ("plan", "Show what a build would generate, why, and what it costs."),
    "build": ("build", "Run the plan: generate what changed, then cut the film."),
    "watch": ("watch", "Rebuild the free local preview and its review page on every save."),
    "graph": ("graph", "Print the shot dependency graph (Mermaid or DOT)."),
    "takes": ("takes", "List a shot's takes: built or not, price, which is picked."),
    "pick": ("pick", "Pick the take a shot's cut uses (writes `take: K` into the file)."),
    "cost": ("cost", "Show what was spent: list price against reported, by storyboard, shot, provider or day."),
    "jobs": ("jobs", "List the jobs sent and not stored yet: provider, job id, status, age."),
    "gc": ("gc", "Remove stored clips no storyboard in the folder references, older than N days."),
    "schema": ("schema", "Print the JSON Schema of the storyboard language."),
    "init": ("init", "Create a starter project with its own reference images."),
}
# read-only commands whose console-script process ends without tearing the interpreter down: freeing
# every object of a 1,000-shot plan one by one, then every module, took ~45 ms (~110 ms for 10,000)
QUICK_EXIT = frozenset({"check", "plan"})


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs, so ``--help`` imports none."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The commands of COMMANDS whose module is present, found without importing any of them."""
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Imports the command's module now; None (click's no such command) for a name outside COMMANDS
        or whose module is absent."""
        if name not in COMMANDS or not _available(name):
            return None
        module = importlib.import_module(f"storyboard.cli.commands.{COMMANDS[name][0]}")
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The help listing from COMMANDS' own one-line texts: listing them imports no command module."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _available(name: str) -> bool:
    return importlib.util.find_spec(f"storyboard.cli.commands.{COMMANDS[name][0]}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storyboard")
def cli() -> None:
    """Compile a storyboard YAML file into a SkyReels V4 film: check, plan, build."""


def main(argv: list[str] | None = None) -> Any:
    """The console script: a user sees a message, never a traceback (STORYBOARD_DEBUG=1 shows it).

    Ctrl-C and SIGTERM both stop a build cleanly (its ffmpeg killed, its temporaries removed)
    and exit 130, the one code DESIGN.md gives an interrupted command (a pipeline tells a stop
    from a failure by it, whichever signal its runner sends).
    """
    received: list[int] = []
    previous = _on_sigterm(received)
    quick = argv is None and sys.argv[1:2] and sys.argv[1] in QUICK_EXIT  # the console script (not a caller's)
    if quick:
        _few_collections()
    try:
        return _run(argv, received)
    except SystemExit as exc:
        if quick:
            _exit_now(exc)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _few_collections() -> None:
    """A check or plan allocates the whole model, its compile and its plan, and frees almost nothing before
    it exits: the cyclic collector's passes over that growing heap cost a 10,000-shot plan a third of its
    time (2.1 s against 1.4 s) and free ~2 MB of 225. It runs every 200,000 allocations instead of 700."""
    import gc

    gc.set_threshold(200_000, 20, 20)


def _exit_now(exc: SystemExit) -> None:
    """End the process with ``exc``'s status once its output is flushed; returns (and the interpreter exits
    as usual) when the status is a message or the output cannot be flushed (a closed pipe is reported)."""
    code = exc.code
    if code is not None and not isinstance(code, int):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code or 0)


def _on_sigterm(received: list[int]) -> Any:
    """SIGTERM does what SIGINT does at that moment (inside ``asyncio.run``: cancel the build);
    returns the handler it replaced (None when none could be installed: not the main thread)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        on_int = signal.getsignal(signal.SIGINT)
        if callable(on_int) and on_int is not signal.default_int_handler:
            on_int(signal.SIGINT, frame)  # asyncio.run's: cancels the build, which then cleans up
            return
        building = sys.modules.get("storyboard.ops.building")  # loaded when a build runs (no import here)
        if building is not None and building.stop():
            return  # SIGINT ignored, so asyncio.run has no handler: the build is cancelled as Ctrl-C would
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # signals can be set only from the main thread
        return None


def _interrupted(received: list[int]) -> NoReturn:
    click.echo("storyboard: interrupted" if not received else "storyboard: terminated", err=True)
    sys.exit(INTERRUPTED)


def _run(argv: list[str] | None, received: list[int]) -> Any:
    from ..errors import StoryboardError

    try:
        return cli.main(args=argv, prog_name="storyboard", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            _interrupted(received)
        click.echo("storyboard: aborted", err=True)
        sys.exit(FAILED)
    except KeyboardInterrupt:
        _interrupted(received)
    except StoryboardError as exc:
        if os.environ.get(DEBUG):
            raise
        click.echo(f"storyboard: {exc}", err=True)
        sys.exit(FAILED)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for a debug run
        if os.environ.get(DEBUG):
            raise
        click.echo(f"storyboard: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("storyboard: please report it; STORYBOARD_DEBUG=1 shows the traceback", err=True)
        sys.exit(INTERNAL)
