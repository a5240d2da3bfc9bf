"""The storyboard language, version 1, as pydantic models.

This is the single definition of the language: the loader validates against it and
``storyboard schema`` prints its JSON Schema. Range rules that need a stable diagnostic
code (durations, keyframe times, ...) are stated in the schema for editors but checked
by the compiler's rule table, not here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ..providers import PROVIDERS, Provider

__all__ = ["PROVIDERS", "Provider"]  # re-exported: the model's own view of the registry
Tier = Literal["std", "fast"]
Resolution = Literal["480p", "720p", "1080p"]
AspectRatio = Literal["16:9", "9:16", "1:1", "4:3", "3:4"]

SHOT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
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


class Settings(Overrides):
    """The file's defaults for every shot, and where the film is written."""

    takes: Takes | None = Field(
        default=None, description="Variants of every shot, 1..4; a shot may override it. Default: 1."
    )

    output: str | None = Field(
        default=None, description="The film, relative to the storyboard file. Default: out/<file stem>.mp4."
    )


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
    cut: list[str] | None = Field(default=None, description="This film's shot ids in order. Default: the file's cut.")


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
    settings: Settings = Field(default_factory=lambda: Settings())
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
    cut: list[str] | None = Field(
        default=None, description="Shot ids in film order. Default: every shot in file order."
    )

    def shot(self, shot_id: str) -> Shot | None:
        """The shot with that id, or None; a linear scan, for occasional lookups."""
        for s in self.shots:
            if s.id == shot_id:
                return s
        return None
