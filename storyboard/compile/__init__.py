"""compile: the storyboard becomes a DAG of canonical SkyReels V4 requests."""

from .compiler import compile_project, compile_storyboard
from .request import MediaRef, Request
from .result import Compiled, CompiledShot, Edge, Project

__all__ = [
    "compile_project",
    "compile_storyboard",
    "Project",
    "Compiled",
    "CompiledShot",
    "Edge",
    "Request",
    "MediaRef",
]
