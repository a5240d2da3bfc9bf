"""ops: the operations the command line and the Python API share (DVC's ``repo/`` operations).

Each operation owns a sequence of the data flow, so neither the CLI nor a script strings
the stages together itself: ``check`` loads and compiles, ``plan`` prices against the store,
``prepare`` decides a build without sending anything, ``build`` / ``abuild`` run the jobs,
cut the film and write its sidecars; ``takes`` lists a shot's takes and ``pick`` writes
the one the cut uses into the file; ``watch`` rebuilds the free local preview whenever an
input changes. Below this layer ``run`` only runs jobs and ``cut`` only cuts; above it the
CLI only parses options, asks for consent and prints.

The build's names (``build``, ``abuild``, ``Film``, ``watch``...) and the ledger's (``cost``, ``jobs``)
are imported on first use: their modules bring in asyncio and the cut, which ``check`` and ``plan``
never need. ``gc``, ``pick`` and ``takes`` are imported here: each is also a submodule's name, which
importing that submodule later would put in the function's place.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .checking import Checked, check, compiled_of, project_of
from .gc import GcResult, gc
from .pick import PickResult, pick
from .planning import build_needs, plan, plans, quote
from .preparing import Prepared, prepare
from .takes import Take, Takes, takes

if TYPE_CHECKING:
    from .building import BuildResult, FilmBuild, abuild, build
    from .film import Film, film_path
    from .money import Cost, Jobs, cost, jobs
    from .watching import Rebuild, watch

# name -> the module that defines it, imported by __getattr__ when the name is first read
_LAZY = {
    "BuildResult": "building",
    "FilmBuild": "building",
    "abuild": "building",
    "build": "building",
    "Film": "film",
    "film_path": "film",
    "Cost": "money",
    "Jobs": "money",
    "cost": "money",
    "jobs": "money",
    "Rebuild": "watching",
    "watch": "watching",
}


def __getattr__(name: str) -> object:
    """A build's or the ledger's name, from its module (PEP 562); none of them is also a submodule's name."""
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{where}", __name__), name)
    globals()[name] = value
    return value


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
