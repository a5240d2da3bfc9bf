"""compile: the storyboard becomes a DAG of canonical SkyReels V4 requests."""

from .compiler import compile_project, compile_storyboard
from .request import MediaRef, Request
from .result import CaptionTrack, CardSpec, Compiled, CompiledShot, Cue, Edge, Entry, Project, Sound, Transition

__all__ = [
    "compile_project",
    "compile_storyboard",
    "Project",
    "Compiled",
    "CompiledShot",
    "Edge",
    "Entry",
    "CardSpec",
    "Transition",
    "Sound",
    "CaptionTrack",
    "Cue",
    "Request",
    "MediaRef",
]
