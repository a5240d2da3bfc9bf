"""compile: the storyboard becomes a DAG of canonical SkyReels V4 requests."""

from .compiler import Compiled, CompiledShot, Edge, compile_storyboard
from .request import MediaRef, Request

__all__ = ["compile_storyboard", "Compiled", "CompiledShot", "Edge", "Request", "MediaRef"]
