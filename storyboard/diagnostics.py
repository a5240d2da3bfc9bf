"""Diagnostics: the one currency every stage uses to tell the user what is wrong.

Every rule the tool enforces has a stable code in ``RULES``; stages never invent a code
on the spot, so the catalogue below is the complete list a user can look up (and the
test suite checks that every code is exercised).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Severity(StrEnum):
    """An error stops a build, a warning fails only ``check --strict``, info says what the compiler derived."""

    error = "error"
    warning = "warning"
    info = "info"


@dataclass(frozen=True, slots=True)
class Rule:
    """One catalogue entry: a stable code, its severity and title, and the document it rests on (``source``)."""

    code: str
    severity: Severity
    title: str
    source: str  # where the rule comes from: DESIGN.md or a seed page


E, W, I = Severity.error, Severity.warning, Severity.info  # noqa: E741 -- the rule table reads as E/W/I
_DESIGN = "DESIGN.md"
_V4 = "SkyReels V4 pages (seeds 001, 003, 004)"
_RUNWARE = "runware reference (docs/models/skywork-skyreels-v4), beyond seed 002"

RULES: dict[str, Rule] = {
    r.code: r
    for r in [
        # Y: reading the file
        Rule("Y001", E, "YAML syntax error", "YAML 1.1"),
        Rule("Y002", E, "empty storyboard file", _DESIGN),
        Rule("Y003", E, "file too large", "storyboard safety limit"),
        Rule("Y004", E, "YAML alias expansion or nesting too large", "storyboard safety limit"),
        Rule("Y005", E, "file is not UTF-8 text", "YAML 1.1"),
        Rule("Y006", E, "duplicate key in a mapping", "YAML 1.1"),
        Rule("Y007", E, "unsupported YAML construct (tag or non-string key)", _DESIGN),
        Rule(
            "Y008", E, "a plain value YAML 1.1 and YAML 1.2 read differently (octal, 16:9, yes/no)", "YAML 1.1 vs 1.2"
        ),
        # S: shape of the document
        Rule("S001", E, "unknown key", _DESIGN),
        Rule("S002", E, "value has the wrong type", _DESIGN),
        Rule("S003", E, "required key is missing", _DESIGN),
        Rule("S004", E, "value is not one of the allowed values", _DESIGN),
        Rule("S005", E, "unsupported storyboard version", _DESIGN),
        Rule("S006", E, "storyboard has no shots", _DESIGN),
        Rule("S007", E, "`settings.store` is not an s3:// URL", "Outgrowing one machine"),
        Rule("S008", E, "an `include` names no file the storyboard may read (missing, absolute, outside)", _DESIGN),
        Rule("S009", E, "an included file holds a key only the main storyboard may (settings, cut, ...)", _DESIGN),
        Rule("S010", E, "include cycle (a file includes itself, directly or not)", _DESIGN),
        Rule("S011", E, "a var defined in two files", _DESIGN),
        # N: names
        Rule("N001", E, "invalid shot id", _DESIGN),
        Rule("N002", E, "invalid character or asset name", _DESIGN),
        Rule("N003", E, "name defined twice (characters, assets and shots share one namespace)", _DESIGN),
        Rule("N004", E, "invalid tag (tags are written in selectors: `--only tag:NAME`)", _DESIGN),
        # M: media values
        Rule("M001", E, "media file not found", _DESIGN),
        Rule("M002", E, "media path leaves the storyboard's folder", _DESIGN),
        Rule("M003", E, "media value is neither a relative path nor an https:// URL", _DESIGN),
        Rule("M004", E, "media of the wrong kind for this field", _DESIGN),
        Rule("M005", E, "media file is not what its extension claims (an image, a video with frames, audio)", _DESIGN),
        Rule("M006", E, "media file over a size bound (bytes, or pixels a side)", "storyboard safety limit"),
        Rule("M007", E, "media URL carries a user name or password", _DESIGN),
        Rule("M008", E, "an asset root does not exist or is not a folder", _DESIGN),
        # T: prompt templates
        Rule("T001", E, "prompt template syntax error", "Jinja2"),
        Rule("T002", E, "undefined template variable", _DESIGN),
        Rule("T003", E, "prompt template tried an unsafe operation", "Jinja2 sandbox"),
        Rule("T004", E, "prompt template failed while rendering", "Jinja2"),
        Rule("T005", E, "prompt template does too much work (steps, size or time)", "storyboard safety limit"),
        Rule("T006", E, "a prompt includes or imports a template that is missing or outside the project", _DESIGN),
        # R: references between things
        Rule("R001", E, "@tag names nothing this shot can reference", _DESIGN),
        Rule("R002", E, "reference to an unknown shot", _DESIGN),
        Rule("R003", E, "dependency cycle between shots", _DESIGN),
        Rule("R004", E, "reference to an unknown or unsuitable asset", _DESIGN),
        Rule("R005", E, "a shot picks a take beyond its takes", _DESIGN),
        # V: rules of the SkyReels V4 model, as the seed pages state them
        Rule("V001", E, "duration outside 3..15 whole seconds", _V4),
        Rule("V002", E, "I2V fields mixed with Omni fields in one shot", "seed 004 (422)"),
        Rule("V003", E, "extend cannot combine with reference images", "seeds 001, 004"),
        Rule("V004", E, "keyframe times must increase strictly inside (0, duration)", "seed 003"),
        Rule("V005", E, "too many reference groups for the provider", "seeds 002, 003"),
        Rule("V006", E, "a reference group holds 1 to 5 images", "seeds 001, 002"),
        Rule("V007", E, "a character is either `images` or one `grid` image", "seed 001"),
        Rule("V008", E, "audio can only be bound to image groups, not grids", "seed 001"),
        Rule("V009", E, "all reference groups of one shot must be of one type", "seeds 001, 002"),
        Rule("V010", E, "reference video too long", "seeds 002, 003, 004"),
        Rule("V011", E, "reference video too small", "seed 002"),
        Rule("V012", E, "prompt too long for the provider", "seeds 001, 002, 004"),
        Rule("V013", E, "prompt is empty", "every seed: prompt is required"),
        Rule("V014", E, "too many keyframe or frame images for the provider", "seeds 002, 003"),
        Rule("V015", E, "conflicting first frame (continues and first_frame)", _DESIGN),
        Rule("V016", E, "a shot takes at most one reference video (extends or motion)", "seeds 000, 001, 002"),
        Rule("V017", E, "voice audio too long", "seed 002"),
        Rule("V018", E, "reference video of type reference cannot combine with grid groups", "seed 004"),
        Rule("V019", E, "too many reference images for a provider that takes a flat list", "seed 000"),
        Rule("V020", E, "reference video cannot combine with reference images on this provider", _RUNWARE),
        Rule("V021", E, "a grid group must be the shot's only reference group on this provider", _RUNWARE),
        # P: what a provider's own page offers
        Rule("P001", E, "the provider does not offer this feature", "provider seed page"),
        Rule("P002", E, "the provider does not accept this value", "provider seed page"),
        Rule("P003", E, "fast mode requires sound off on this provider", "seed 000"),
        Rule("P004", E, "a local file for a provider that takes only URLs, and no upload bucket", "seeds 000-004"),
        Rule("P005", E, "no sound generation with a motion reference video on this provider", _RUNWARE),
        Rule("P006", E, "resolution and aspect ratio outside the provider's width x height table", _RUNWARE),
        # O: where the build writes
        Rule("O001", E, "the film's output leaves the storyboard's folder", _DESIGN),
        Rule("O002", E, "the film's output is inside the store (.storyboard/)", _DESIGN),
        Rule("O003", E, "the film or a sidecar would overwrite the storyboard or one of its inputs", _DESIGN),
        Rule("O004", E, "the film's output does not end in .mp4", _DESIGN),
        Rule(
            "O005",
            E,
            "the film or a sidecar path exists and is no regular file (a folder, device, FIFO, link)",
            _DESIGN,
        ),
        Rule("O006", E, "the cut is empty: there is no film to write", _DESIGN),
        # D: deliverables, the films of one file
        Rule("D001", E, "invalid deliverable name", _DESIGN),
        Rule("D002", E, "two deliverables write one film", _DESIGN),
        Rule("D003", E, "`deliverables` is empty", _DESIGN),
        Rule("D004", E, "a deliverable sets `store` (the team store is the file's)", "Outgrowing one machine"),
        # C: the finished cut (entries, cards, sound, captions, rate)
        Rule("C001", E, "a transition on the first entry of the cut (nothing comes before it)", _DESIGN),
        Rule("C002", E, "a transition of 0 s or less, or longer than an entry it joins", _DESIGN),
        Rule("C003", E, "unknown transition type (ffmpeg xfade's names)", "ffmpeg xfade"),
        Rule("C004", E, "a trim outside its clip, or its in point not before its out point", _DESIGN),
        Rule("C005", E, "a card with neither text nor image", _DESIGN),
        Rule("C006", E, "a card id already names a shot, character, asset or another card", _DESIGN),
        Rule("C007", E, "invalid card id", _DESIGN),
        Rule("C008", W, "a soundtrack file placed at or after the film's end", _DESIGN),
        Rule("C009", E, "captions file does not parse (.srt, .vtt)", "SubRip, WebVTT"),
        Rule("C010", E, "loudness target outside -70..-5 LUFS", "EBU R128, ffmpeg loudnorm"),
        Rule("C011", E, "a file the cut renders is a URL, not a file in the project", _DESIGN),
        Rule("C012", E, "soundtrack volume or duck outside its range", _DESIGN),
        Rule("C013", W, "an fcp7 or fcpx timeline at 32 fps, which no SMPTE timecode supports", "SMPTE ST 12-1"),
        Rule("C014", E, "a card's seconds outside (0, 60]", _DESIGN),
        Rule("C015", E, "a card's background is not a #rrggbb colour", _DESIGN),
        # W: legal but probably not what was meant
        Rule("W001", W, "character or asset is never used", _DESIGN),
        Rule("W002", W, "shot is generated but never shown in the cut nor used by another shot", _DESIGN),
        Rule("W003", W, "duration is overridden by the reference video", "seeds 001, 003, 004"),
        # I: what the compiler derived on the user's behalf
        Rule("I001", I, "tag derived for an element that needs one", "seeds 003, 004"),
        Rule("I002", I, "tag appended to the prompt because the provider requires it there", "seed 004"),
        Rule("I003", I, "width and height derived from resolution and aspect ratio", "seed 002"),
        Rule("I004", I, "billed seconds follow the reference video", "seeds 001, 003, 004"),
    ]
}


@dataclass(frozen=True, slots=True)
class Location:
    """A resolved place: 1-based line and column, and how many characters the caret underlines."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    length: int = 1  # how many characters the caret underlines


class Where(Protocol):
    """A place in the file that is looked up only when a diagnostic is shown."""

    def resolve(self) -> Location:
        """The line and column; may compose the file again, so a Diagnostic calls it once, when first shown."""
        ...


class Diagnostic:
    """One finding. Its location may be lazy: finding a line can mean parsing the file
    again, which a plan with thousands of notes should not pay unless they are shown."""

    __slots__ = ("code", "message", "shot", "help", "severity", "_where", "_location")

    def __init__(
        self,
        code: str,
        message: str,
        location: Location | Where,
        shot: str | None = None,
        help: str | None = None,
        severity: Severity = Severity.error,
    ) -> None:
        self.code = code
        self.message = message
        self.shot = shot
        self.help = help
        self.severity = severity
        self._where: Where | None
        self._location: Location | None
        if isinstance(location, Location):
            self._where, self._location = None, location
        else:
            self._where, self._location = location, None

    @property
    def place(self) -> Location | Where:
        """Where it points, unresolved when it is still lazy: to report it again elsewhere without a lookup."""
        return self._where if self._where is not None else self.location

    @property
    def location(self) -> Location:
        """The line and column, looked up on first use and kept."""
        if self._location is None:
            assert self._where is not None
            self._location = self._where.resolve()
        return self._location

    def __repr__(self) -> str:
        return f"Diagnostic({self.code}, {self.message!r}, {self.location})"

    def to_json(self) -> dict[str, object]:
        """The ``--format json`` record; it resolves a lazy location."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "shot": self.shot,
            "help": self.help,
        }


class Diagnostics:
    """Collects diagnostics so every stage reports all problems, not the first."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[tuple[str, str, object]] = set()

    def add(
        self,
        code: str,
        message: str,
        location: Location | Where,
        *,
        shot: str | None = None,
        help: str | None = None,
    ) -> None:
        """Records a finding under a catalogued code (its severity comes from RULES; an unknown code is a KeyError)."""
        key = (code, message, place_of(location))
        if key in self._seen:  # one mistake reached through two paths is one diagnostic
            return
        self._seen.add(key)
        self._items.append(Diagnostic(code, message, location, shot, help, RULES[code].severity))

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self._items)

    def added(self) -> list[Diagnostic]:
        """In the order they were added; cheap: no location is resolved."""
        return list(self._items)

    def sorted(self) -> list[Diagnostic]:
        """In file order (file, line, column, code); resolves every lazy location, so only for showing them."""
        return sorted(self._items, key=lambda d: (d.location.file, d.location.line, d.location.column, d.code))

    @property
    def errors(self) -> list[Diagnostic]:
        """The errors in the order they were added; cheap: no location is resolved."""
        return [d for d in self._items if d.severity is Severity.error]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The warnings in the order they were added; cheap: no location is resolved."""
        return [d for d in self._items if d.severity is Severity.warning]

    def has_errors(self, *, strict: bool = False) -> bool:
        """Whether the board must not be built: an error, or with ``strict`` a warning too (``check --strict``)."""
        bad = (Severity.error, Severity.warning) if strict else (Severity.error,)
        return any(d.severity in bad for d in self._items)


def place_of(location: Location | Where) -> object:
    """What makes two places the same without resolving a lazy one."""
    if isinstance(location, Location):
        return (location.line, location.column)
    return getattr(location, "path", location), getattr(location, "key", None)
