"""compile: the storyboard becomes a DAG of canonical SkyReels V4 requests."""

from .compiler import compile_storyboard
from .request import MediaRef, Request
from .result import Compiled, CompiledShot, Edge

__all__ = ["compile_storyboard", "Compiled", "CompiledShot", "Edge", "Request", "MediaRef"]
