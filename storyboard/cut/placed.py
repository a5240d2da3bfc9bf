"""The film's entries laid out as the render lays them out, and each card as a file, for the timeline.

The timeline must place every item where the film shows it, to the frame: the render's own
layout (:func:`.render.layout`, in frames of the film's format) is computed here from the
clips' probes and the cards, reading no file (a card's image is named through the store's
hasher, cached by stat). An editor's transition plays over the handles of both clips, so a
card's media is the card rendered whole (the frames under its transitions included): for a
card no transition touches, the very piece the film is made of; else one more piece ($0, kept
in ``segments/`` like every piece, named by what it is made of).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .conform import FilmFormat
from .render import SEGMENTS_DIR, Piece, Placed, Source, clip_source, layout, render_entries

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..compile.result import CardSpec
    from ..store import Store
    from .incremental import CutReport, StoredClip

Hasher = Callable[[Path], str]


@dataclass(frozen=True)
class Laid:
    """The film's entries in frames, the sources they show, and the format they are in."""

    placed: list[Placed]
    sources: dict[str, Source]
    fmt: FilmFormat

    @property
    def cards(self) -> list[Placed]:
        return [p for p in self.placed if p.source.card is not None]


def card_source(card: CardSpec, fmt: FilmFormat, sha256: Hasher) -> Source:
    """A card as a source, named as :func:`.render.card_source` names it (its words, its image's bytes,
    its colour), the image's digest through ``sha256`` (the store's hasher: a stat, not a read)."""
    image = sha256(card.image) if card.image is not None else None
    ident = repr(("card", card.text, image, card.background))
    return Source(ident, fmt.frames(card.seconds), card=card)


def lay_out(
    compiled: Compiled,
    sequence: Sequence[str],
    clips: dict[str, StoredClip],
    digests: dict[str, str | None],
    fmt: FilmFormat,
    sha256: Hasher,
) -> Laid:
    """The film's entries (:func:`.finish.film_entries`) laid out in frames, as the cut renders them."""
    from .finish import film_entries

    entries = film_entries(compiled, sequence)
    sources = {sid: clip_source(c, digests.get(sid), fmt) for sid, c in clips.items()}
    for e in entries:
        if e.card is not None:
            sources[e.id] = card_source(e.card, fmt, sha256)
    return Laid(layout(entries, sources, fmt), sources, fmt)


def _alone(p: Placed, fmt: FilmFormat) -> tuple[Placed, Piece]:
    """The card of ``p`` on its own, as long as the film shows it (its handles included)."""
    from ..compile.result import Entry

    assert p.entry.card is not None
    frames = p.end - p.start
    entry = Entry("card", p.entry.id, fmt.seconds(frames), 0.0, card=p.entry.card)
    alone = Placed(entry, p.source, 0, frames, 0, 0, 0)
    return alone, Piece(f"card {p.entry.id}", alone, (0, frames))


def card_file(store: Store, p: Placed, fmt: FilmFormat) -> Path:
    """Where the card of ``p`` rendered whole is kept (a piece's name: a digest of its makings)."""
    return store.root / SEGMENTS_DIR / f"{_alone(p, fmt)[1].digest(fmt)}.mp4"


def card_files(store: Store, laid: Laid) -> dict[str, Path]:
    """Each card's file by its id (a card id names one card: C006)."""
    return {p.entry.id: card_file(store, p, laid.fmt) for p in laid.cards}


async def ensure_cards(store: Store, laid: Laid, report: CutReport) -> dict[str, Path]:
    """Each card's file, rendering those not in the store (a stat each: a no-op build reads none)."""
    files = card_files(store, laid)
    for p in laid.cards:
        if files[p.entry.id].is_file():
            continue
        alone, _ = _alone(p, laid.fmt)  # laid out alone it is the one piece named so (render.pieces)
        await render_entries(store, [alone.entry], {p.entry.id: p.source}, laid.fmt, report)
    return files
