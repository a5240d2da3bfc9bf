"""The storyboard language, version 1 and its continuation (takes, deliverables, the finished cut), as pydantic models.

This is the single definition of the language: the loader validates against it and
``storyboard schema`` prints its JSON Schema. Range rules that need a stable diagnostic
code (durations, keyframe times, ...) are stated in the schema for editors but checked
by the compiler's rule table, not here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag
from pydantic_core import PydanticCustomError

from ..media.xfade import NAMES as TRANSITION_NAMES
from ..providers import PROVIDERS, Provider

__all__ = ["PROVIDERS", "Provider"]  # re-exported: the model's own view of the registry
Tier = Literal["std", "fast"]
Resolution = Literal["480p", "720p", "1080p"]
AspectRatio = Literal["16:9", "9:16", "1:1", "4:3", "3:4"]

SHOT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
TAG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"  # no `:`, `,`, `+`, `#` or space: a tag is written in selectors
# ids and names become file names (work files, clips' records) and @tags: short enough for any file system
MAX_NAME_LENGTH = 64

Seconds = Annotated[
    int,
    Field(
        description="Whole seconds, 3 to 15.",
        json_schema_extra={"minimum": 3, "maximum": 15},
    ),
]
Takes = Annotated[
    int,
    Field(
        description="How many variants (takes) of a shot to generate, 1 to 4.",
        ge=1,
        le=4,
    ),
]
Media = Annotated[
    str,
    Field(
        description="A path relative to the storyboard file (inside its folder tree) or an https:// URL.",
        json_schema_extra={"minLength": 1},
    ),
]

FPS_VALUES: tuple[float, ...] = (32, 23.976, 24, 25, 29.97, 30)  # 32: SkyReels' native rate, no SMPTE timecode
TimelineFormat = Literal["otio", "fcp7", "fcpx", "kdenlive", "otioz"]
LOUDNESS_RANGE = (-70.0, -5.0)  # LUFS a film may be normalised to (checked by the compiler: C010)


def _one_of_fps(value: float) -> float:
    """An enum of numbers: typing's Literal takes no floats, so the values are checked here (S004)."""
    if value not in FPS_VALUES:
        shown = ", ".join(f"{v:g}" for v in FPS_VALUES[:-1]) + f" or {FPS_VALUES[-1]:g}"
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": shown})
    return value


Fps = Annotated[
    float,
    AfterValidator(_one_of_fps),
    Field(
        description="The film's editorial rate: 32 (SkyReels' native, default), 23.976, 24, 25, 29.97 or 30.",
        json_schema_extra={"enum": list(FPS_VALUES)},
    ),
]

DEFAULTS: dict[str, Any] = {
    "provider": "local",
    "tier": "std",
    "resolution": "1080p",
    "aspect_ratio": "16:9",
    "duration": 5,
    "sound": False,
    "prompt_optimizer": True,
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Overrides(_Model):
    """Generation settings; the file's `settings` sets defaults, any shot may override them."""

    # `default=` by keyword throughout: the type checker reads a positional default as a required field
    provider: Provider | None = Field(
        default=None, description="Who generates the clip. Default: local (offline preview)."
    )
    tier: Tier | None = Field(
        default=None, description="std or fast: model skyreels-v4-std / skyreels-v4-fast. Default: std."
    )
    resolution: Resolution | None = Field(default=None, description="Output resolution. Default: 1080p.")
    aspect_ratio: AspectRatio | None = Field(default=None, description="Output aspect ratio. Default: 16:9.")
    duration: Seconds | None = Field(default=None, description="Clip length in whole seconds, 3..15. Default: 5.")
    sound: bool | None = Field(default=None, description="Generate sound effects. Default: false.")
    prompt_optimizer: bool | None = Field(default=None, description="Provider-side prompt rewriting. Default: true.")


STORE_URL_PATTERN = r"^s3://[^/?#@:\s]+(/[^?#\s]*)?$"  # store/bucket.py reads the same form


class Settings(Overrides):
    """The file's defaults for every shot, and where the film is written."""

    takes: Takes | None = Field(
        default=None, description="Variants of every shot, 1..4; a shot may override it. Default: 1."
    )

    output: str | None = Field(
        default=None, description="The film, relative to the storyboard file. Default: out/<file stem>.mp4."
    )
    fps: Fps | None = Field(default=None, description="The film's editorial rate (frames a second). Default: 32.")
    loudness: float | None = Field(
        default=None,
        description="Integrated loudness target of the film in LUFS, -70..-5 (-23 EBU R128, -24 ATSC A/85, "
        "-14 streaming). Default: none (the mix as it is).",
        json_schema_extra={"minimum": LOUDNESS_RANGE[0], "maximum": LOUDNESS_RANGE[1]},
    )
    timeline: list[TimelineFormat] | None = Field(
        default=None,
        description="Sidecar timelines beside the film: otio (always written), fcp7, fcpx, kdenlive, otioz. "
        "Default: [otio].",
    )
    store: str | None = Field(
        default=None,
        description="A team's clip store on S3-compatible storage, s3://bucket/prefix, shared by every machine "
        "(STORYBOARD_STORE overrides it). Default: none (the local .storyboard/ only).",
        json_schema_extra={"pattern": STORE_URL_PATTERN},
    )


class FileSettings(Settings):
    """The file's own settings: what a deliverable cannot override (where inputs may come from)."""

    asset_roots: list[str] | None = Field(
        default=None,
        description="Folders outside the storyboard's folder that media, includes and prompt templates may come "
        "from, relative to the storyboard file (e.g. ../brand); symlinks are resolved before the check. "
        "Default: none.",
    )


class Transition(_Model):
    """How a cut entry begins: it overlaps the end of the entry before it by `seconds`."""

    type: str = Field(
        description="An ffmpeg xfade transition (fade, dissolve, wipeleft, ...; `crossfade` is fade).",
        json_schema_extra={"enum": list(TRANSITION_NAMES)},
    )
    seconds: float = Field(
        default=0.5,
        description="The overlap in seconds, more than 0 and no longer than either entry. Default: 0.5.",
        json_schema_extra={"exclusiveMinimum": 0},
    )


class CutShot(_Model):
    """A shot in the cut with a transition into it or a trim of its clip."""

    shot: str = Field(description="The shot's id.", json_schema_extra={"pattern": SHOT_ID_PATTERN})
    transition: Transition | None = Field(default=None, description="Into this shot from the entry before it.")
    trim: list[float] | None = Field(
        default=None,
        description="[in, out]: the part of the clip shown, seconds from its start (0 <= in < out <= its length).",
        json_schema_extra={"minItems": 2, "maxItems": 2},
    )


class Card(_Model):
    """A title or end card, rendered locally at the film's size ($0)."""

    text: str | None = Field(default=None, description="The words on the card.")
    image: Media | None = Field(default=None, description="An image on the card (a file in the project).")
    seconds: float = Field(
        default=3.0,
        description="How long the card is on screen, more than 0 and at most 60. Default: 3.",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 60},
    )
    background: str = Field(
        default="#000000",
        description="The card's colour, #rrggbb or #rgb. Default: #000000.",
        json_schema_extra={"pattern": r"^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$"},
    )


class CutCard(_Model):
    """A card in the cut, named by its id like a shot."""

    card: Card
    id: str = Field(
        description="The card's id, [a-z0-9][a-z0-9_-]*; shots, characters, assets and cards share one namespace.",
        json_schema_extra={"pattern": SHOT_ID_PATTERN, "maxLength": MAX_NAME_LENGTH},
    )
    transition: Transition | None = Field(default=None, description="Into this card from the entry before it.")


CUT_KINDS: dict[str, type[_Model]] = {"shot": CutShot, "card": CutCard}  # pydantic's tag in an error's path


def _entry_kind(value: Any) -> str | None:
    """Which form a cut entry takes: a shot id, a `{card: ...}` or a `{shot: ...}` mapping."""
    if isinstance(value, str):
        return "id"
    if isinstance(value, CutCard) or (isinstance(value, dict) and "card" in value):
        return "card"
    if isinstance(value, (CutShot, dict)):
        return "shot"
    return None


CutEntry = Annotated[
    Union[  # noqa: UP007 -- the tagged members need Union[...]
        Annotated[str, Tag("id")],
        Annotated[CutShot, Tag("shot")],
        Annotated[CutCard, Tag("card")],
    ],
    Discriminator(
        _entry_kind,
        custom_error_type="cut_entry",
        custom_error_message="Input should be a shot id or a mapping with `shot` or `card`",
    ),
]


def entry_shot(entry: str | CutShot | CutCard) -> str | None:
    """The shot id a cut entry shows, or None for a card."""
    if isinstance(entry, str):
        return entry
    return entry.shot if isinstance(entry, CutShot) else None


class SoundtrackEntry(_Model):
    """A file mixed under the cut: a bed from the start, or placed at a time with `at`."""

    file: Media = Field(description="An audio file in the project.")
    volume: float = Field(default=0.0, description="Gain in dB, -60..20. Default: 0.")
    duck: float | None = Field(
        default=None,
        description="dB it is lowered by under shots that have their own sound (sidechain), -60..0. "
        "Default: not ducked.",
    )
    at: float | None = Field(
        default=None,
        description="Seconds into the film where it starts (a voice-over, a sting). Default: 0, a bed under the film.",
        json_schema_extra={"minimum": 0},
    )


class Captions(_Model):
    """Subtitles of the film: a subtitle track and a sidecar file, or burned into the picture."""

    file: Media = Field(description="An .srt or .vtt file in the project.")
    burn: bool = Field(default=False, description="Draw them into the picture instead of a track. Default: false.")


class Deliverable(Settings):
    """One film of the file: the file's settings, vars and cut, overridden by its own."""

    output: str | None = Field(
        default=None,
        description="This film, relative to the storyboard file. Default: the file's output with -<name> "
        "before its suffix (out/<file stem>-<name>.mp4).",
    )

    vars: dict[str, Any] | None = Field(
        default=None, description="Variables for the prompt templates, over the file's `vars` (key by key)."
    )
    cut: list[CutEntry] | None = Field(
        default=None, description="This film's entries (shots and cards) in order. Default: the file's cut."
    )


class Character(_Model):
    """A reference group, attached to a shot by its `@tag` in the prompt."""

    images: list[Media] | None = Field(
        default=None, description="1 to 5 images of one subject, scene or style (an image group)."
    )
    grid: Media | None = Field(default=None, description="One collage image (a grid group).")
    voice: Media | None = Field(default=None, description="Audio bound to an image group (voice timbre, lip-sync).")


class Keyframe(_Model):
    """An image the clip passes through at a given time (a mid frame)."""

    at: float = Field(description="Seconds from the start, strictly inside (0, duration), increasing.")
    image: Media


class Shot(Overrides):
    """One clip of the film: its prompt, the shots or media it builds on, and any setting it overrides."""

    id: str = Field(
        description="Shot id, [a-z0-9][a-z0-9_-]*.",
        json_schema_extra={"pattern": SHOT_ID_PATTERN, "maxLength": MAX_NAME_LENGTH},
    )
    prompt: str = Field(description="Jinja2 template over `vars`; @Name attaches a character.")
    extends: str | None = Field(default=None, description="Extend this shot's clip (reference video of type extend).")
    continues: str | None = Field(default=None, description="Start from the last frame of this shot's clip.")
    motion: str | None = Field(default=None, description="Motion reference video: a video asset or a shot id.")
    audio: str | None = Field(default=None, description="Audio-driven generation from this audio asset.")
    first_frame: Media | None = None
    last_frame: Media | None = None
    keyframes: list[Keyframe] = Field(default_factory=list, description="Mid-frame images with their times.")
    takes: Takes | None = Field(
        default=None,
        description="Variants of this shot, 1..4, each its own job and clip. Default: `settings.takes`, else 1.",
    )
    take: int | None = Field(
        default=None,
        description="The take the cut and the shots built on this one use, 1..takes. Default: 1.",
        ge=1,
    )
    tags: list[str] = Field(
        default_factory=list,
        description="Free labels for selection (`--only tag:hero`); they do not change the shot's clip.",
        json_schema_extra={"items": {"type": "string", "pattern": TAG_PATTERN, "maxLength": MAX_NAME_LENGTH}},
    )

    _index: int = PrivateAttr(default=-1)  # position in the file's `shots` list

    @property
    def index(self) -> int:
        """The position in the file's ``shots`` list, even after invalid shots were dropped; -1 until loaded."""
        return self._index


class Storyboard(_Model):
    """A storyboard file: characters, assets and shots that cut into one film."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
        title="storyboard",
    )

    version: Literal[1] = Field(description="The language version; 1.")
    title: str | None = None
    # a lambda, not the class: pydantic's Field types a bare model class as a factory returning Never
    include: list[str] | None = Field(
        default=None,
        description="Partial storyboards merged before this file's own entries, in order: each may hold "
        "include, characters, assets, vars and shots. Paths are relative to the storyboard file.",
    )
    settings: FileSettings = Field(default_factory=lambda: FileSettings())
    vars: dict[str, Any] = Field(default_factory=dict, description="Variables for the prompt templates.")
    characters: dict[str, Character] = Field(
        default_factory=dict,
        description="Reference groups; the key is the tag (Mara -> @Mara).",
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN, "maxLength": MAX_NAME_LENGTH}},
    )
    assets: dict[str, Media] = Field(
        default_factory=dict,
        description="Other named media (videos, audio); tag @name.",
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN, "maxLength": MAX_NAME_LENGTH}},
    )
    deliverables: dict[str, Deliverable] | None = Field(
        default=None,
        description="Several films from one file; each overrides settings, vars and cut. "
        "Output: the file's output with -<name> before its suffix, unless given.",
        json_schema_extra={"propertyNames": {"pattern": SHOT_ID_PATTERN, "maxLength": MAX_NAME_LENGTH}},
    )
    shots: list[Shot] = Field(description="The shots, in story order.")
    cut: list[CutEntry] | None = Field(
        default=None,
        description="The film in order: shot ids, `{shot, transition, trim}` and `{card, id, transition}`. "
        "Default: every shot in file order.",
    )
    soundtrack: list[SoundtrackEntry] | None = Field(
        default=None, description="Audio mixed under the cut: beds (ducked under shots with sound) and placed files."
    )
    captions: Captions | None = Field(default=None, description="Subtitles: an .srt or .vtt file.")

    def shot(self, shot_id: str) -> Shot | None:
        """The shot with that id, or None; a linear scan, for occasional lookups."""
        for s in self.shots:
            if s.id == shot_id:
                return s
        return None
