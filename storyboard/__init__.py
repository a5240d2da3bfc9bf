"""storyboard: a declarative storyboard compiler for SkyReels V4.

The library follows the data flow ``load -> compile -> plan -> run -> cut``; each arrow is
one subpackage and can be used without the command line::

    from storyboard import load_storyboard, compile_storyboard, make_plan
    loaded = load_storyboard("storyboard.yaml")
    compiled = compile_storyboard(loaded)
    plan = make_plan(compiled)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["load_storyboard", "compile_storyboard", "make_plan", "__version__"]

if TYPE_CHECKING:
    from .compile import compile_storyboard
    from .load import load as load_storyboard
    from .plan import make_plan


def __getattr__(name: str) -> Any:
    # Lazy, so `storyboard --help` does not pay for pydantic, jinja2 or networkx.
    if name == "load_storyboard":
        from .load import load

        return load
    if name == "compile_storyboard":
        from .compile import compile_storyboard

        return compile_storyboard
    if name == "make_plan":
        from .plan import make_plan

        return make_plan
    raise AttributeError(name)
