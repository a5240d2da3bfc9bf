"""What compiling produces: one compiled shot per shot id, and the whole board's DAG.

These are the types ``plan`` and ``run`` read; the passes only fill them in, so they live
apart from the passes and import nothing of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..diagnostics import Diagnostics
from ..load import Loaded
from .request import Request

if TYPE_CHECKING:
    import networkx as nx

    from ..load.model import Storyboard

EdgeKind = Literal["extends", "continues", "motion"]
EntryKind = Literal["shot", "card"]
NTSC = {23.976: Fraction(24000, 1001), 29.97: Fraction(30000, 1001)}


@dataclass(frozen=True, slots=True)
class Edge:
    """A shot needs ``parent``'s clip first: to extend it, continue from it or imitate its motion."""

    kind: EdgeKind
    parent: str


@dataclass(slots=True)
class CompiledShot:
    """One shot as far as it compiled: its effective settings, edges and (if it got that far) request."""

    id: str
    index: int
    settings: dict[str, Any]
    edges: list[Edge] = field(default_factory=list)
    request: Request | None = None
    files: dict[str, Path] = field(default_factory=dict)  # relative path -> local input file
    seconds: float = 0.0  # the new seconds its clip holds
    billed_seconds: float = 0.0
    estimate: bool = False  # billed seconds are a guess (a reference video behind a URL)
    ok: bool = True
    uploads: list[str] = field(default_factory=list)  # local inputs a URL-only provider needs uploaded
    takes: int = 1  # variants generated, each its own job and clip
    take: int = 1  # the one the cut and the shots built on this one use

    @property
    def provider(self) -> str:
        """The effective provider (file settings, the shot's own, then ``--provider``): whose profile applies."""
        return str(self.settings["provider"])


@dataclass(frozen=True, slots=True)
class Transition:
    """Into an entry from the one before it: an ffmpeg xfade name (aliases resolved) over ``seconds`` of overlap."""

    type: str
    seconds: float


@dataclass(frozen=True, slots=True)
class CardSpec:
    """A card as the cut renders it: its words, its image (absolute), its length and colour (``#rrggbb``)."""

    text: str | None
    image: Path | None
    seconds: float
    background: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of the film, in order: a shot's clip (trimmed or whole) or a card.

    ``seconds`` is its time on screen before overlaps (the trim's length, the clip's compiled
    seconds, or the card's); ``start`` is where it begins in the film: the previous entry's
    end less this entry's transition. The film ends at the last entry's ``start + seconds``."""

    kind: EntryKind
    id: str  # the shot id, or the card's id
    seconds: float
    start: float
    transition: Transition | None = None  # into this entry; never on the first
    trim: tuple[float, float] | None = None  # (in, out) seconds in the shot's clip
    card: CardSpec | None = None  # for kind == "card"

    @property
    def end(self) -> float:
        """Where it ends in the film (the next entry's transition starts before it)."""
        return self.start + self.seconds


@dataclass(frozen=True, slots=True)
class Sound:
    """A soundtrack file mixed under the cut: a bed from 0 (``at`` None) or placed at ``at`` seconds."""

    file: Path  # absolute
    volume: float  # dB of gain
    duck: float | None  # dB it is lowered by under shots with their own sound; None: not ducked
    at: float | None
    seconds: float | None  # the file's length, probed (None: unreadable, already reported)


@dataclass(frozen=True, slots=True)
class Cue:
    """One caption: seconds into the film it shows from and until, and its text (lines joined by newlines)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class CaptionTrack:
    """The film's subtitles: an .srt or .vtt file (absolute), its cues, and whether they are burned in."""

    file: Path
    burn: bool
    format: Literal["srt", "vtt"]
    cues: tuple[Cue, ...] = ()


@dataclass
class Compiled:
    """One film compiled: shots in file order, their dependency order, the cut and every diagnostic.

    A file with ``deliverables:`` compiles to one of these per deliverable (see :class:`Project`);
    ``board`` is then the file with that deliverable's settings, vars and cut applied."""

    loaded: Loaded
    shots: dict[str, CompiledShot]  # file order
    order: list[str]  # dependency order
    cut: list[str]
    provider: str
    diagnostics: Diagnostics
    board: Storyboard | None = None  # the effective board (None: the file's own)
    output: Path | None = None  # the film's absolute path (None: not decided, the cut's default)
    deliverable: str | None = None  # which film of the file this is (None: the file has no deliverables)
    # the finished cut, resolved (defaults applied, media absolute): what the cut and the timelines read
    entries: list[Entry] = field(default_factory=list)  # the film in order: shots (as in `cut`) and cards
    soundtrack: list[Sound] = field(default_factory=list)
    captions: CaptionTrack | None = None
    fps: float = 32.0  # the editorial rate
    loudness: float | None = None  # integrated loudness target, LUFS (None: not normalised)
    timelines: tuple[str, ...] = ("otio",)  # sidecar timeline formats, otio first
    # each local media value as written (joined to the folder) -> the file it resolved to (MediaResolver)
    resolved: dict[str, Path] = field(default_factory=dict)

    @property
    def film_seconds(self) -> float:
        """The film's length: the sum of the entries less the transitions' overlaps."""
        return self.entries[-1].end if self.entries else 0.0

    @property
    def rate(self) -> Fraction:
        """``fps`` as an exact rate: 23.976 is 24000/1001 and 29.97 is 30000/1001 (NTSC), the rest whole."""
        return NTSC.get(self.fps, Fraction(self.fps).limit_denominator(1001))

    @property
    def effective(self) -> Storyboard:
        """The storyboard this film was compiled from: the file, with its deliverable's overrides."""
        board = self.board if self.board is not None else self.loaded.storyboard
        assert board is not None, "a compiled storyboard loaded"
        return board

    @cached_property
    def graph(self) -> nx.DiGraph[str]:
        """The DAG of shots (edge attribute ``kind``: extends, continues, motion), built on first use."""
        import networkx as nx

        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(self.shots)
        for sid, shot in self.shots.items():
            for edge in shot.edges:
                graph.add_edge(edge.parent, sid, kind=edge.kind)
        return graph

    @property
    def ok(self) -> bool:
        """No error (warnings allowed): the only state ``plan`` and ``build`` accept."""
        return not self.diagnostics.has_errors()

    @property
    def root(self) -> Path:
        """The storyboard's folder: media paths resolve against it and the store lives inside it."""
        return self.loaded.root


@dataclass
class Project:
    """Every film of one file, compiled: one without ``deliverables:``, else one per deliverable (in file order).

    The films share the loader's diagnostics: an error in any of them makes the file invalid."""

    loaded: Loaded
    films: list[Compiled]
    diagnostics: Diagnostics

    @property
    def ok(self) -> bool:
        """No error in any film: the only state ``plan`` and ``build`` accept."""
        return not self.diagnostics.has_errors()

    @property
    def root(self) -> Path:
        """The storyboard's folder."""
        return self.loaded.root

    @property
    def deliverables(self) -> bool:
        """Whether the file declares deliverables (plans and reports then name each film)."""
        return any(f.deliverable is not None for f in self.films)

    def having(self, shot_id: str) -> list[Compiled]:
        """The films that build ``shot_id`` (a deliverable's own cut may leave a shot out)."""
        return [f for f in self.films if shot_id in f.shots]
