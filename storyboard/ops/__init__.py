"""ops: the operations the command line and the Python API share (DVC's ``repo/`` operations).

Each operation owns a sequence of the data flow, so neither the CLI nor a script strings
the stages together itself: ``check`` loads and compiles, ``plan`` prices against the store,
``prepare`` decides a build without sending anything, ``build`` / ``abuild`` run the jobs,
cut the film and write its sidecars; ``takes`` lists a shot's takes and ``pick`` writes
the one the cut uses into the file; ``watch`` rebuilds the free local preview whenever an
input changes. Below this layer ``run`` only runs jobs and ``cut`` only cuts; above it the
CLI only parses options, asks for consent and prints.
"""

from __future__ import annotations

from .building import BuildResult, FilmBuild, Prepared, abuild, build, prepare
from .checking import Checked, check, compiled_of, project_of
from .film import Film, film_path
from .gc import GcResult, gc
from .money import Cost, Jobs, cost, jobs
from .pick import PickResult, pick
from .planning import build_needs, plan, plans, quote
from .takes import Take, Takes, takes
from .watching import Rebuild, watch

__all__ = [
    "BuildResult",
    "Checked",
    "Cost",
    "Film",
    "FilmBuild",
    "Jobs",
    "GcResult",
    "PickResult",
    "Prepared",
    "Rebuild",
    "Take",
    "Takes",
    "abuild",
    "build",
    "build_needs",
    "check",
    "compiled_of",
    "cost",
    "film_path",
    "jobs",
    "gc",
    "pick",
    "plan",
    "plans",
    "prepare",
    "quote",
    "project_of",
    "takes",
    "watch",
]
