"""The cut pass: `cut:` read into the film's entries (shots and cards), each placed in time.

It runs after every shot compiled, since a trim and a transition are checked against the
clip's compiled seconds. The film's length is the sum of the entries less the overlaps:
a transition into an entry overlaps the end of the entry before it by its seconds. A
mistake in an entry is reported at that entry (inside a deliverable when its cut is the
deliverable's own) and the entry is still placed when its length is known, so a later
check (a soundtrack placed past the end) measures the film the user meant.
"""

from __future__ import annotations

import math
import re

from ..load.model import FPS_VALUES, MAX_NAME_LENGTH, SHOT_ID_PATTERN, CutCard, CutShot
from ..load.model import Transition as WrittenTransition
from ..load.validate import suggest
from ..media.xfade import NAMES, xfade_name
from .context import Context, Where
from .result import CardSpec, Entry, Transition

_CARD_ID = re.compile(SHOT_ID_PATTERN)
_COLOUR = re.compile(r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")
MAX_CARD_SECONDS = 60.0
SMPTE_TIMELINES = ("fcp7", "fcpx")  # the formats that carry SMPTE timecode, which has no 32 fps
EPSILON = 1e-6  # seconds: a trim to the clip's very end is inside it


def check_cut(ctx: Context) -> list[Entry]:
    """The film's entries in order: `cut:` if given (R002 for a name that is no shot), else every shot in
    file order. Every entry's own rules are checked here (C001-C007, C011, C014, C015)."""
    cut = ctx.board.cut
    if cut is None:
        return _placed(
            [Entry("shot", s.id, ctx.shots[s.id].seconds, 0.0) for s in ctx.board.shots if s.id in ctx.shots]
        )
    if not cut:
        ctx.error(
            "O006",
            "`cut` is empty: the build would render its shots and write no film",
            ctx.at("cut"),
            help="list the shots of the film in order, or remove `cut:` to cut every shot in file order",
        )
    entries: list[Entry] = []
    cards: dict[str, CardSpec] = {}
    previous: Entry | None = None  # the entry just before, when the one written before it made one
    for i, raw in enumerate(cut):
        entry = _card(ctx, i, raw, cards) if isinstance(raw, CutCard) else _shot(ctx, i, raw)
        written = None if isinstance(raw, str) else raw.transition
        if written is not None and entry is not None:
            transition = _transition(ctx, i, written, previous, entry, first=i == 0)
            entry = Entry(entry.kind, entry.id, entry.seconds, 0.0, transition, entry.trim, entry.card)
        if entry is not None:
            entries.append(entry)
        previous = entry
    return _placed(entries)


def _placed(entries: list[Entry]) -> list[Entry]:
    """Each entry's start in the film: the previous one's end, less its own transition's overlap."""
    placed: list[Entry] = []
    end = 0.0
    for e in entries:
        start = max(0.0, end - (e.transition.seconds if e.transition is not None else 0.0)) if placed else 0.0
        placed.append(Entry(e.kind, e.id, e.seconds, start, e.transition, e.trim, e.card))
        end = start + e.seconds
    return placed


def _shot(ctx: Context, i: int, raw: str | CutShot) -> Entry | None:
    """A shot entry: the shot's clip, whole or trimmed (C004); None for a name that is no shot (R002)."""
    sid = raw if isinstance(raw, str) else raw.shot
    cs = ctx.shots.get(sid)
    if cs is None:
        if sid not in ctx.loaded.broken_names:
            guess = suggest(sid, ctx.shots)
            ctx.error(
                "R002",
                f"the cut names `{sid}`, which is no shot",
                ctx.at("cut", i) if isinstance(raw, str) else ctx.at("cut", i, "shot"),
                help=f"did you mean `{guess}`?" if guess else "list shot ids",
            )
        return None
    if isinstance(raw, str) or raw.trim is None:
        return Entry("shot", sid, cs.seconds, 0.0)
    trim = _trim(ctx, i, sid, raw.trim, cs.seconds if cs.seconds > 0 and not cs.estimate else None)
    if trim is None:
        return Entry("shot", sid, cs.seconds, 0.0)
    return Entry("shot", sid, trim[1] - trim[0], 0.0, trim=trim)


def _trim(ctx: Context, i: int, sid: str, trim: list[float], length: float | None) -> tuple[float, float] | None:
    """``(in, out)`` when it lies inside the clip (``length`` None: not known before the build), else C004."""
    fix = f"write `trim: [in, out]` with 0 <= in < out <= {length:g}" if length else "write `trim: [in, out]`"
    if len(trim) != 2:
        ctx.error(
            "C004",
            f"`trim` of `{sid}` is [in, out], two numbers; found {len(trim)}",
            ctx.at("cut", i, "trim"),
            shot=sid,
            help=fix,
        )
        return None
    t_in, t_out = trim
    if not (math.isfinite(t_in) and math.isfinite(t_out)) or t_in < 0 or t_in >= t_out:
        ctx.error(
            "C004",
            f"`trim` of `{sid}` must have 0 <= in < out; found in {t_in:g}, out {t_out:g}",
            ctx.at("cut", i, "trim"),
            shot=sid,
            help=fix,
        )
        return None
    if length is not None and t_out > length + EPSILON:
        ctx.error(
            "C004",
            f"`trim` of `{sid}` ends at {t_out:g} s, after its clip's end ({length:g} s)",
            ctx.at("cut", i, "trim", 1),
            shot=sid,
            help=f"end the trim at most at {length:g}, or lengthen the shot's `duration`",
        )
        return None
    return (float(t_in), float(t_out))


def _card(ctx: Context, i: int, raw: CutCard, cards: dict[str, CardSpec]) -> Entry | None:
    """A card entry (C005-C007, C011, C014, C015); None when its length is not a length."""
    spec = raw.card
    image = None
    if spec.image is not None:
        where = ctx.at("cut", i, "card", "image")
        res = ctx.media_value(spec.image, where, ("image",), "card.image")
        if res.problem is None and res.path is None and res.kind == "image":
            not_local(ctx, spec.image, where, "a card's image")
        image = res.path
    text = spec.text if spec.text is not None and spec.text.strip() else None
    if text is None and spec.image is None:
        ctx.error(
            "C005",
            f"card `{raw.id}` has neither text nor image: it would be a blank {spec.seconds:g} s",
            ctx.at("cut", i, "card"),
            help='give it `text: "..."` or `image: refs/logo.png`',
        )
    background = spec.background
    if not _COLOUR.match(background):
        ctx.error(
            "C015",
            f"card `{raw.id}`'s background must be a colour #rrggbb or #rgb; found `{background}`",
            ctx.at("cut", i, "card", "background"),
            help='write it in hex, e.g. `background: "#1b1b1b"` (quoted: YAML reads # as a comment)',
        )
    elif len(background) == 4:
        background = "#" + "".join(c * 2 for c in background[1:])
    card = CardSpec(text, image, spec.seconds, background.lower())
    _card_id(ctx, i, raw.id, card, cards)
    if not (math.isfinite(spec.seconds) and 0 < spec.seconds <= MAX_CARD_SECONDS):
        ctx.error(
            "C014",
            f"card `{raw.id}` is on screen for {spec.seconds:g} s; a card lasts more than 0 and at most "
            f"{MAX_CARD_SECONDS:g} s",
            ctx.at("cut", i, "card", "seconds"),
            help="write `seconds: 3`, say",
        )
        return None
    return Entry("card", raw.id, spec.seconds, 0.0, card=card)


def _card_id(ctx: Context, i: int, cid: str, card: CardSpec, cards: dict[str, CardSpec]) -> None:
    """C007 for an id that is no id; C006 for one a shot, character, asset or another card already has."""
    where = ctx.at("cut", i, "id")
    if not _CARD_ID.match(cid) or len(cid) > MAX_NAME_LENGTH:
        fixed = re.sub(r"[^a-z0-9_-]+", "-", cid.lower()).strip("-_")[:MAX_NAME_LENGTH] or "card"
        ctx.error(
            "C007",
            f"invalid card id `{cid}`: expected at most {MAX_NAME_LENGTH} lowercase letters, digits, `-` and `_`, "
            "starting with a letter or digit",
            where,
            help=f"rename it, e.g. `{fixed}`",
        )
    board = ctx.board
    taken = (
        "shot"
        if any(s.id == cid for s in board.shots) or cid in ctx.loaded.broken_names
        else "character"
        if cid in board.characters
        else "asset"
        if cid in board.assets
        else None
    )
    if taken is None and cid in cards and cards[cid] != card:
        taken = "different card"
    if taken is not None:
        ctx.error(
            "C006",
            f"card id `{cid}` is already the id of a {taken}; shots, characters, assets and cards share one namespace",
            where,
            help="give the card an id of its own, e.g. `endcard`" if cid != "endcard" else "give the card another id",
        )
    cards.setdefault(cid, card)


def _transition(
    ctx: Context, i: int, written: WrittenTransition, previous: Entry | None, entry: Entry, *, first: bool
) -> Transition | None:
    """The transition into ``entry`` (C001-C003), checked against both entries it joins; None when it is none."""
    fields = written.model_fields_set
    at_seconds = ctx.at("cut", i, "transition", "seconds") if "seconds" in fields else ctx.at("cut", i, "transition")
    if first:
        ctx.error(
            "C001",
            f"a transition into `{entry.id}`, the cut's first entry: there is nothing before it to transition from",
            ctx.at("cut", i, "transition", key=True),
            help="remove `transition:` here; to open on a fade, put a card first and transition from it",
        )
        return None
    name = xfade_name(written.type)
    if name is None:
        guess = suggest(written.type, NAMES)
        ctx.error(
            "C003",
            f"`{written.type}` is no transition; `type` takes ffmpeg xfade's names (fade, dissolve, wipeleft, ...)",
            ctx.at("cut", i, "transition", "type"),
            help=f"did you mean `{guess}`?" if guess else "e.g. `fade`, `dissolve`, `fadeblack`, `wipeleft`, `slideup`",
        )
    seconds = written.seconds
    if not (math.isfinite(seconds) and seconds > 0):
        ctx.error(
            "C002",
            f"the transition into `{entry.id}` lasts {seconds:g} s; it must last more than 0 s",
            at_seconds,
            help="write `seconds: 0.5`, say, or remove the transition for a hard cut",
        )
        return None
    if previous is not None and _too_long(ctx, seconds, previous, entry, at_seconds):
        return None
    return Transition(name, seconds) if name is not None else None


def _too_long(ctx: Context, seconds: float, previous: Entry, entry: Entry, where: Where) -> bool:
    """C002 when the overlap is longer than either entry, or with the one into ``previous`` exceeds it."""
    into_previous = previous.transition.seconds if previous.transition is not None else 0.0
    problem = None
    if 0 < entry.seconds < seconds - EPSILON:
        problem = f"`{entry.id}` is only {entry.seconds:g} s"
    elif 0 < previous.seconds < seconds - EPSILON:
        problem = f"`{previous.id}` before it is only {previous.seconds:g} s"
    elif 0 < previous.seconds < seconds + into_previous - EPSILON:
        problem = (
            f"`{previous.id}` before it is {previous.seconds:g} s and its own transition in takes "
            f"{into_previous:g} s of it"
        )
    if problem is None:
        return False
    room = [s for s in (entry.seconds, previous.seconds - into_previous) if s > 0]
    ctx.error(
        "C002",
        f"the transition into `{entry.id}` lasts {seconds:g} s, but {problem}",
        where,
        help=f"shorten it to at most {min(room):g} s" if room else "shorten the transition",
    )
    return True


def not_local(ctx: Context, value: str, where: Where, what: str) -> None:
    """C011: the cut renders on this machine, and fetches nothing; a URL must be downloaded into the project."""
    ctx.error(
        "C011",
        f"{what} is rendered on this machine from a file in the project; found the URL `{value}`",
        where,
        help="download it into the project (e.g. refs/) and give its relative path",
    )


def film_rate(ctx: Context) -> tuple[float, tuple[str, ...]]:
    """The editorial rate and the timelines to write (otio first, always); C013 for SMPTE formats at 32 fps."""
    settings = ctx.board.settings
    fps = float(settings.fps) if settings.fps is not None else float(FPS_VALUES[0])
    timelines = tuple(dict.fromkeys(("otio", *(settings.timeline or ()))))
    smpte = [t for t in timelines if t in SMPTE_TIMELINES]
    if smpte and fps == 32:
        ctx.error(
            "C013",
            f"the {' and '.join(smpte)} timeline{'s' if len(smpte) > 1 else ''} carry SMPTE timecode, which has no "
            "32 fps (SkyReels' native rate): editors refuse it",
            ctx.at("settings", "timeline"),
            help="set `fps:` to an SMPTE rate: 23.976, 24, 25, 29.97 or 30 (the cut conforms every clip to it)",
        )
    return fps, timelines
