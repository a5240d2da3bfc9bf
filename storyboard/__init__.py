"""storyboard: a declarative storyboard compiler for SkyReels V4.

The library is the command line without the terminal: the same operations
(:mod:`storyboard.ops`), called from Python::

    import storyboard
    checked = storyboard.check("storyboard.yaml")    # load + compile: every diagnostic
    plan = storyboard.plan_storyboard("storyboard.yaml")  # per shot: cached or generate, why, the price
    result = storyboard.build("storyboard.yaml")     # run the jobs, cut the film, write the sidecars
    result = await storyboard.abuild("storyboard.yaml")  # the same, inside a running event loop

The stages stay usable one by one (``load_storyboard -> compile_storyboard -> make_plan``);
a file with ``deliverables:`` is several films: ``compile_project -> make_plans`` (and
``storyboard.plans(path)``) give every film's, a take two films share priced once.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "abuild",
    "build",
    "check",
    "compile_project",
    "compile_storyboard",
    "load_storyboard",
    "make_plan",
    "make_plans",
    "plan_storyboard",
    "plans",
    "__version__",
]

if TYPE_CHECKING:
    from .compile import compile_project, compile_storyboard
    from .load import load as load_storyboard
    from .ops import abuild, build, check, plans
    from .ops import plan as plan_storyboard
    from .plan import make_plan, make_plans

# name -> (module, attribute); imported on first use, so `storyboard --help` pays for none of them
_LAZY = {
    "abuild": (".ops", "abuild"),
    "build": (".ops", "build"),
    "check": (".ops", "check"),
    "plan_storyboard": (".ops", "plan"),  # not `plan`: that name is the subpackage storyboard.plan
    "load_storyboard": (".load", "load"),
    "compile_storyboard": (".compile", "compile_storyboard"),
    "compile_project": (".compile", "compile_project"),
    "make_plan": (".plan", "make_plan"),
    "make_plans": (".plan", "make_plans"),
    "plans": (".ops", "plans"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(import_module(module, __name__), attribute)
    raise AttributeError(name)
