"""The compile context: what every pass reads and writes while one storyboard compiles.

The passes are plain functions over this one object. It holds the loaded board, the
shots compiled so far, and the three services every rule needs: places in the file
(resolved lazily), emitting diagnostics, and where a shot's effective setting came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostics, Location
from ..load import Loaded, Source
from ..load.model import DEFAULTS, Shot
from ..media.probe import MediaInfo
from .media import MediaResolver, Resolved
from .result import CompiledShot
from .templates import PromptRenderer

if TYPE_CHECKING:
    from .deliverables import Layer

SETTING_KEYS = ("provider", "tier", "resolution", "aspect_ratio", "duration", "sound", "prompt_optimizer")

# (code, path in the file, message without the shot, help) -> (where, the shots it breaks)
_SettingKey = tuple[str, tuple[str | int, ...], str, str | None]


@dataclass(frozen=True, slots=True)
class Where:
    """A path in the file whose line and column are looked up only if reported."""

    source: Source
    path: tuple[str | int, ...]
    key: bool = False

    def resolve(self) -> Location:
        """Looks the path up in the composed YAML: called only when a diagnostic at this place is shown."""
        return self.source.locate(self.path, key=self.key)


class Context:
    """One compile's shared state; the passes report through it and record shots on it."""

    def __init__(
        self,
        loaded: Loaded,
        provider: str | None,
        tier: str | None,
        staging: bool = True,
        *,
        layer: Layer | None = None,
        diagnostics: Diagnostics | None = None,
        media: MediaResolver | None = None,
    ) -> None:
        """``layer`` compiles one deliverable (the file with its overrides), reporting into ``diagnostics``
        and sharing ``media`` (each file is probed once however many films use it)."""
        assert loaded.storyboard is not None, "compile needs a storyboard that loaded"
        from .deliverables import apply

        self.loaded = loaded
        self.layer = layer
        self.board = loaded.storyboard if layer is None else apply(loaded.storyboard, layer)
        self.src = loaded.source
        self.diag = diagnostics if diagnostics is not None else loaded.diagnostics
        self.overrides = {k: v for k, v in (("provider", provider), ("tier", tier)) if v is not None}
        self.media = media if media is not None else MediaResolver(loaded.root, loaded.asset_roots)
        self.staging = staging
        self.renderer = PromptRenderer(self.board.vars, loaded.folders, loaded.templates, loaded.templates_looked)
        self.shots: dict[str, CompiledShot] = {}
        self.by_id: dict[str, Shot] = {}
        self.used_names: set[str] = set()
        self.names: set[str] = set(self.board.characters) | set(self.board.assets) | loaded.broken_names
        self._from_settings: dict[_SettingKey, tuple[Where, list[str]]] = {}

    # -- locations (lazy: finding a line composes the YAML, paid only when reporting) ----
    def at(self, *path: str | int, key: bool = False) -> Where:
        """A place in the file by its YAML path; ``key`` points at the key rather than its value.

        Compiling a deliverable, a setting, var or cut entry it overrides is found in the deliverable."""
        if self.layer is not None:
            moved = self.layer.redirect(tuple(path))
            return Where(self.src, moved, key or (moved[-1:] == (self.layer.name,) and len(moved) == 2))
        return Where(self.src, tuple(path), key)

    def ix(self, shot: Shot) -> int:
        """The shot's place in the file (pydantic's private-attribute access is slow)."""
        cs = self.shots.get(shot.id)
        return cs.index if cs is not None and self.by_id.get(shot.id) is shot else shot.index

    def shot_at(self, shot: Shot, name: str | None = None, *, key: bool = False) -> Where:
        """A field of a shot, or the shot's id when no field is named."""
        if name is None:
            return self.at("shots", self.ix(shot), "id")
        return self.at("shots", self.ix(shot), name, key=key)

    # -- settings provenance --------------------------------------------------------------
    def effective(self, shot: Shot) -> dict[str, Any]:
        """The shot's settings: the defaults, then `settings`, then the shot, then the CLI flags."""
        eff = dict(DEFAULTS)
        base = self.board.settings
        for key in SETTING_KEYS:
            value = getattr(shot, key)
            if value is None:
                value = getattr(base, key)
            if value is not None:
                eff[key] = value
        eff.update(self.overrides)
        return eff

    def setting_at(self, shot: Shot, name: str) -> Where:
        """Where a shot's effective setting was written (the shot, then `settings`)."""
        if name in self.overrides:
            return self.shot_at(shot)
        if getattr(shot, name) is not None:
            return self.shot_at(shot, name)
        if getattr(self.board.settings, name) is not None:
            return self.at("settings", name)
        return self.shot_at(shot)

    def setting_source(self, shot: Shot, name: str) -> str:
        """The words a message appends so the user knows which line to change."""
        if name in self.overrides:
            return f" (from --{name.replace('_', '-')})"
        if getattr(shot, name) is not None:
            return ""
        if self.layer is not None and (layered := self.layer.source_of(name)) is not None:
            return layered
        if getattr(self.board.settings, name) is not None:
            return " (from `settings`)"
        return " (the default)"

    # -- diagnostics ---------------------------------------------------------------------
    def error(
        self,
        code: str,
        message: str,
        where: Where | Location,
        shot: str | None = None,
        help: str | None = None,
        *,
        setting: bool = False,
    ) -> None:
        """Report a diagnostic; any code but a warning or a note also marks the shot as not buildable.

        ``setting=True`` says the finding is about ``shot``'s effective setting and the
        message is written without naming the shot: the context names it. When that
        setting was written in `settings`, one mistake there breaks many shots, so it is
        held back and reported once, naming every shot (:meth:`report_settings_errors`).
        """
        if shot is not None and shot in self.shots and code[0] not in "WI":
            self.shots[shot].ok = False
        if setting:
            assert shot is not None, "a setting's finding names its shot"
            if isinstance(where, Where) and where.path[:1] in (("settings",), ("deliverables",)):
                entry = self._from_settings.setdefault((code, where.path, message, help), (where, []))
                entry[1].append(shot)
                return
            message = f"shot `{shot}`: {message}"
        self.diag.add(code, message, where, shot=shot, help=help)

    def report_settings_errors(self) -> None:
        """Emit the held-back `settings` findings, each once, after every shot has been compiled."""
        for (code, _, message, help), (where, shots) in self._from_settings.items():
            names = ", ".join(f"`{s}`" for s in shots[:5]) + (f" and {len(shots) - 5} more" if len(shots) > 5 else "")
            self.diag.add(
                code, f"shot{'s' if len(shots) > 1 else ''} {names}: {message}", where, shot=shots[0], help=help
            )

    # -- media checks every pass shares -----------------------------------------------------
    def media_value(
        self, value: str, where: Where, want: tuple[str, ...], field_name: str, shot: str | None = None
    ) -> Resolved:
        """Resolve a media value, reporting M001-M004 (and a kind ``field_name`` does not take)."""
        res = self.media.resolve(value)
        if res.problem is not None:
            self.error(res.problem.code, res.problem.message, where, shot, res.problem.help)
        elif res.kind not in want:
            found = f"a {res.kind} file" if res.kind else "a file of unknown type"
            self.error(
                "M004",
                f"`{field_name}` takes {' or '.join('an ' + w if w[0] in 'aeiou' else 'a ' + w for w in want)}; `{value}` is {found}",
                where,
                shot,
                help="use a file with a matching extension",
            )
        return res

    def readable_audio(self, value: str, where: Where, sid: str) -> MediaInfo | None:
        """Probe a local audio input (M005 if it is not audio), so a broken file fails here, not at the provider."""
        path = self.media.resolve(value).path
        if path is None:
            return None  # a URL, or a path already reported
        probe = self.media.probe(path)
        if isinstance(probe, str):
            self.error(
                "M005", f"cannot read `{value}` as audio: {probe}", where, sid, help="re-encode it as WAV or MP3"
            )
            return None
        return probe
