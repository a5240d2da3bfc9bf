"""The finished cut: trims, transitions and cards, with only what changed encoded.

The film is laid out in frames of its format (:class:`~.conform.FilmFormat`): an entry holds
frames ``[start, end)`` of what it shows (its clip conformed, trimmed; or its card), and a
transition into it overlaps the previous entry's last frames with its first ones. The film is
then a sequence of *pieces*, each a file in the film's format joined by stream copy
(:func:`.conform.join`):

- an entry's *body*, the frames no transition touches: the conformed clip itself when the entry
  is the whole clip (the very file of :mod:`.incremental`), else that range conformed on its own;
- each *transition*: the previous entry's tail and this one's head through ``xfade`` (the
  picture) and ``acrossfade`` (the sound);
- a card's body: the card rendered locally (its colour, its image scaled to fit, its words
  drawn with the local renderer's font), silent.

Where a clip is split, its pieces are conformed separately from the clip (not cut out of the
conformed clip by stream copy): each piece starts on a keyframe and ends on its last frame
exactly, whatever the encoder's B-frames, and the whole-clip conform stays the one file any
film without a split uses. Every piece encoded is kept in the store's ``segments/``, named by
a digest of what it is made of (its sources' keys and digests, its frames, the transition,
the format), so a rebuild re-encodes only the pieces whose makings changed: a transition's
type changed re-encodes that transition alone; its length also re-encodes the two bodies it
borders, whose frames moved.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..media.ffmpeg import ffmpeg_command, run_ffmpeg
from ..media.probe import ClipInfo
from .conform import AUDIO_RATE, PIX_FMT, SAMPLES, FilmFormat, conform_clip, encode_args
from .files import temp_beside

if TYPE_CHECKING:
    from ..compile.result import CardSpec, Entry, Transition
    from ..store import ClipRecord, Store
    from .incremental import CutReport, StoredClip

Make = Callable[[Path], None]  # writes a piece into the file given (a temporary in the store's tmp/)
Remember = Callable[["ClipRecord"], None]  # records a piece installed (on the loop's thread: the store's database)
SEGMENTS_DIR = "segments"
PIECE_RECIPE = 1  # bump when the filter graphs below change: every stored piece is remade
PIECE_TIMEOUT = 900.0
CARD_FONT_SHARE = 12  # the card's text is 1/12 of the frame's height


@dataclass(frozen=True)
class Source:
    """What an entry shows before it is cut: a stored clip, or a card; ``ident`` names its makings."""

    ident: str
    frames: int  # frames it holds in the film's format
    clip: StoredClip | None = None
    card: CardSpec | None = None


@dataclass(frozen=True)
class Placed:
    """One entry laid out: frames ``[start, end)`` of its source, ``head`` of them overlapped by the
    transition into it and ``tail`` by the one out of it, beginning at frame ``at`` of the film."""

    entry: Entry
    source: Source
    start: int
    end: int
    head: int
    tail: int
    at: int

    @property
    def whole(self) -> bool:
        """The entry shows its clip entire and untouched: its body is the conformed clip."""
        untouched = self.head == 0 and self.tail == 0
        return self.source.clip is not None and untouched and (self.start, self.end) == (0, self.source.frames)


@dataclass(frozen=True)
class Piece:
    """One file of the film: a body (frames of one source) or a transition (``into`` the entry ``b``)."""

    what: str  # for the progress and errors: "pour 12-96", "fade pour>sing", "card endcard"
    a: Placed
    a_range: tuple[int, int]
    into: Transition | None = None
    b: Placed | None = None
    b_range: tuple[int, int] = (0, 0)

    def digest(self, fmt: FilmFormat) -> str:
        """What the piece is made of, hashed: its file's name in ``segments/``."""
        sides = [(self.a.source.ident, self.a_range)]
        if self.b is not None:
            sides.append((self.b.source.ident, self.b_range))
        into = self.into.type if self.into is not None else None  # its length is in the ranges, in frames
        cards = self.a.source.card is not None or (self.b is not None and self.b.source.card is not None)
        spec = (PIECE_RECIPE, fmt.digest, sides, into, _font_ident() if cards else None)
        return hashlib.sha256(repr(spec).encode()).hexdigest()[:32]


@dataclass
class Rendered:
    """What :func:`render_entries` did: the film's pieces in order, which were encoded, the entries laid out."""

    parts: list[Path] = field(default_factory=list)
    encoded: list[str] = field(default_factory=list)  # the pieces (and whole clips) encoded by this cut
    kept: int = 0  # pieces (and conformed clips) found in the store
    placed: list[Placed] = field(default_factory=list)


def layout(entries: Sequence[Entry], sources: dict[str, Source], fmt: FilmFormat) -> list[Placed]:
    """The entries in frames. Each is placed in seconds as the language does (the previous end less
    the overlap; a whole clip as long as it is, a trim its out less its in, a card its seconds), and
    both of its ends are rounded to the film's frames where they fall in the film, so the film is
    within half a frame of the sum of the entries less the overlaps, however the overlaps round. An
    overlap is at most what both sides have left; an entry whose source is not given is left out."""
    kept = [e for e in entries if e.id in sources]
    placed: list[Placed] = []
    end_s, end_f = 0.0, 0
    for i, e in enumerate(kept):
        source = sources[e.id]
        if e.trim is not None and source.clip is not None:
            first, seconds = _frame(e.trim[0], fmt), e.trim[1] - e.trim[0]
        elif source.clip is not None:
            first, seconds = 0, fmt.seconds(source.frames)
        else:
            first, seconds = 0, e.seconds
        overlap = e.transition.seconds if e.transition is not None and i > 0 else 0.0
        start_s = max(0.0, end_s - overlap)
        start_f = min(_frame(start_s, fmt), end_f)
        frames = max(1, _frame(start_s + seconds, fmt) - start_f)
        if source.clip is not None:
            frames = min(frames, source.frames)
            first = max(0, min(first, source.frames - frames))
        head = 0
        if i > 0:
            prev = placed[-1]
            head = max(0, min(end_f - start_f, prev.end - prev.start - prev.head, frames))
            placed[-1] = replace(prev, tail=head)
        start_f = end_f - head
        placed.append(Placed(e, source, first, first + frames, head, 0, start_f))
        end_s, end_f = start_s + seconds, start_f + frames
    return placed


def _frame(seconds: float, fmt: FilmFormat) -> int:
    """The frame a time falls on, rounded half up (a tiny slack: 4.6 s at 25 fps is frame 115)."""
    return math.floor(seconds * fmt.fps + Fraction(1, 2) + Fraction(1, 10**6))


def pieces(placed: Sequence[Placed]) -> list[Piece | Placed]:
    """The film's files in order: a whole clip (its ``Placed``), or a piece to encode."""
    out: list[Piece | Placed] = []
    for i, p in enumerate(placed):
        if p.head > 0:
            prev = placed[i - 1]
            assert p.entry.transition is not None
            out.append(
                Piece(f"{p.entry.transition.type} {prev.entry.id}>{p.entry.id}", prev, (prev.end - p.head, prev.end),
                      p.entry.transition, p, (p.start, p.start + p.head))
            )  # fmt: skip
        body = (p.start + p.head, p.end - p.tail)
        if p.whole:
            out.append(p)
        elif body[1] > body[0]:
            label = f"card {p.entry.id}" if p.source.card is not None else f"{p.entry.id} {body[0]}-{body[1]}"
            out.append(Piece(label, p, body))
    return out


async def render_entries(
    store: Store,
    entries: Sequence[Entry],
    sources: dict[str, Source],
    fmt: FilmFormat,
    report: CutReport,
) -> Rendered:
    """Every piece of the film found in the store or encoded into it, in order (the caller joins them).

    What is missing is encoded two at a time (as :mod:`.incremental` conforms clips); after a
    failure no more start, the running ones finish, and the first failure is raised as itself."""
    from .incremental import CONFORM_JOBS

    placed = layout(entries, sources, fmt)
    done = Rendered(placed=placed)
    jobs: dict[Path, tuple[str, Make, Remember]] = {}  # final file -> what it is, its ffmpeg run, its record
    for item in pieces(placed):
        if isinstance(item, Placed):
            clip = item.source.clip
            assert clip is not None
            path, job = await _whole(store, clip, fmt)
            done.parts.append(path)
            if job is not None:
                jobs.setdefault(path, (item.entry.id, *job))
            elif path != clip.path:
                done.kept += 1
            continue
        final = store.root / SEGMENTS_DIR / f"{item.digest(fmt)}.mp4"
        done.parts.append(final)
        record = _record(store, final)
        if record is not None and await asyncio.to_thread(_usable, final, record):
            done.kept += 1
        elif final not in jobs:
            jobs[final] = (item.what, partial(_encode, item, fmt), partial(_remember, store, final))
    slots, finished, stop = asyncio.Semaphore(CONFORM_JOBS), 0, False
    staged: list[Path] = []

    async def run(final: Path, what: str, make: Make, remember: Remember) -> None:
        nonlocal finished, stop
        from ..store.conformed import install

        async with slots:
            if stop:  # another piece failed: start no more
                return
            try:
                staged.append(store.temp_path(".mp4"))
                into = staged[-1]
                await asyncio.to_thread(make, into)
                written = await asyncio.to_thread(install, into, final)
            except BaseException:
                stop = True
                raise
        remember(written)
        finished += 1
        done.encoded.append(what)
        report("encoding", f"{finished}/{len(jobs)}: {what}")

    try:
        if jobs:
            report("encoding", f"0/{len(jobs)}")
            # the ones running finish before the first failure is raised: no ffmpeg is left writing
            ended = await asyncio.gather(*(run(f, *job) for f, job in jobs.items()), return_exceptions=True)
            failures = [e for e in ended if isinstance(e, BaseException)]
            if failures:
                raise failures[0]
    finally:
        for path in staged:
            path.unlink(missing_ok=True)
    return done


def spans(placed: Sequence[Placed], fmt: FilmFormat, has_sound: set[str]) -> list[tuple[float, float]]:
    """The film's seconds where an entry in ``has_sound`` is on screen (its transitions included)."""
    return [
        (fmt.seconds(p.at), fmt.seconds(p.at + p.end - p.start)) for p in placed if p.entry.id in has_sound
    ]  # fmt: skip


def film_frames(placed: Sequence[Placed]) -> int:
    """The film's length in frames: the last entry's end."""
    return placed[-1].at + placed[-1].end - placed[-1].start if placed else 0


async def _whole(store: Store, clip: StoredClip, fmt: FilmFormat) -> tuple[Path, tuple[Make, Remember] | None]:
    """A whole clip in the film's format: the clip as it is, or its conformed file, with the job that
    conforms it when it is not there yet (its ffmpeg run, then its row in the store's table)."""
    from ..store.conformed import usable

    if fmt.fits(clip.info):
        return clip.path, None
    record = store.records.get(clip.key, take=clip.take)
    source = (record.sha256 if record is not None else None) or ""  # "": unrecorded, conformed on every cut
    final = store.conformed.path(clip.key, fmt.digest, take=clip.take)
    found = store.conformed.get(clip.key, fmt.digest, take=clip.take)
    kept: bool = bool(source) and await asyncio.to_thread(usable, final, found, source)
    if kept:
        return final, None

    return final, (partial(conform_clip, clip.path, clip.info, fmt), partial(_put_conformed, store, clip, fmt, source))


def _put_conformed(store: Store, clip: StoredClip, fmt: FilmFormat, source: str, written: ClipRecord) -> None:
    store.conformed.put(clip.key, fmt.digest, source, written, take=clip.take)


def _remember(store: Store, final: Path, written: ClipRecord) -> None:
    store.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_meta(final), f"{written.size}:{written.sha256}"))


def _meta(path: Path) -> str:
    return f"segment:{path.name}"


def _record(store: Store, path: Path) -> tuple[int, str] | None:
    if not store.state.exists:
        return None
    row = store.db.execute("SELECT value FROM meta WHERE name = ?", (_meta(path),)).fetchone()
    if row is None:
        return None
    size, _, sha = str(row[0]).partition(":")
    return int(size), sha


def _usable(path: Path, record: tuple[int, str]) -> bool:
    """The stored piece is the one recorded: its size, then every byte (ffmpeg reads them all next)."""
    from ..store.cliprecords import file_sha256

    try:
        return path.stat().st_size == record[0] and file_sha256(path) == record[1]
    except (FileNotFoundError, NotADirectoryError):
        return False


def _font_ident() -> str | None:
    from ..media.fonts import font_file

    return font_file()


# -- the filter graphs ----------------------------------------------------------------------


class _Graph:
    """ffmpeg inputs and filter chains, built up side by side."""

    def __init__(self) -> None:
        self.inputs: list[str] = []
        self.chains: list[str] = []
        self.count = 0
        self.files: list[Path] = []  # temporaries the command reads (a card's words)

    def input(self, *args: str) -> int:
        self.inputs += args
        self.count += 1
        return self.count - 1


def _samples(frames: int, fmt: FilmFormat) -> int:
    """Where frame ``frames`` starts, in samples: rounded at the absolute position, so pieces add up."""
    return round(frames / fmt.fps * AUDIO_RATE)


def _side(g: _Graph, p: Placed, frames: tuple[int, int], fmt: FilmFormat, tag: str, near: Path) -> None:
    """Frames ``[a, b)`` of ``p``'s source as the pads ``[v<tag>]`` and ``[a<tag>]`` (``[v]``, ``[a]`` for no tag)."""
    a, b = frames
    rate = f"{fmt.fps.numerator}/{fmt.fps.denominator}"
    tb = f"{fmt.fps.denominator}/{fmt.fps.numerator}"
    w, h = fmt.frame
    samples = _samples(b, fmt) - _samples(a, fmt)
    clip = p.source.clip
    if clip is not None:
        i = g.input("-i", os.fspath(clip.path))
        g.chains.append(
            f"[{i}:v:0]fps={rate},scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,"
            f"setsar=1,format={PIX_FMT},trim=start_frame={a}:end_frame={b},setpts=PTS-STARTPTS,settb={tb}[v{tag}]"
        )
        if clip.info.audio_codec is not None:
            g.chains.append(
                f"[{i}:a:0]aresample={AUDIO_RATE},aformat=channel_layouts=stereo,apad,"
                f"atrim=start_sample={_samples(a, fmt)}:end_sample={_samples(b, fmt)},asetpts=PTS-STARTPTS{_last(tag)}[a{tag}]"
            )
            return
    else:
        assert p.source.card is not None
        _card(g, p.source.card, b - a, fmt, tag, near)
    j = g.input("-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo")
    g.chains.append(f"[{j}:a]atrim=end_sample={samples},asetpts=PTS-STARTPTS{_last(tag)}[a{tag}]")


def _last(tag: str) -> str:
    """The sound's last filter when the side is the piece itself (no tag): 16-bit samples, as conform.py hands the encoder."""
    return "" if tag else f",{SAMPLES}"


def _card(g: _Graph, card: CardSpec, frames: int, fmt: FilmFormat, tag: str, near: Path) -> None:
    """The card's picture: its colour, its image scaled to fit (above its words when it has both), its words."""
    from .captions import _escape

    w, h = fmt.frame
    rate = f"{fmt.fps.numerator}/{fmt.fps.denominator}"
    tb = f"{fmt.fps.denominator}/{fmt.fps.numerator}"
    colour = card.background.lstrip("#")
    i = g.input("-f", "lavfi", "-i", f"color=c=0x{colour}:s={w}x{h}:r={rate}:d={fmt.seconds(frames + 1):.6f}")
    chain = f"[{i}:v]format={PIX_FMT}"
    if card.image is not None:
        box_w, box_h = (w * 8 // 10, h * 55 // 100) if card.text else (w * 9 // 10, h * 9 // 10)
        y = f"{h * 42 // 100}-h/2" if card.text else "(H-h)/2"
        j = g.input("-i", os.fspath(card.image))
        g.chains.append(f"[{j}:v]scale={box_w}:{box_h}:force_original_aspect_ratio=decrease,format=rgba[img{tag}_]")
        chain = f"{chain}[bg{tag}_];[bg{tag}_][img{tag}_]overlay=x=(W-w)/2:y={y},format={PIX_FMT}"
    if card.text:
        words = temp_beside(near, ".txt")
        words.write_text(card.text, encoding="utf-8")
        g.files.append(words)
        from ..media.fonts import font_file

        font = font_file()
        size = max(12, h // CARD_FONT_SHARE)
        y = f"{h * 80 // 100}-text_h/2" if card.image is not None else "(h-text_h)/2"
        chain += (
            f",drawtext={'fontfile=' + _escape(font) + ':' if font else ''}textfile={_escape(os.fspath(words))}"
            f":fontcolor={_ink(colour)}:fontsize={size}:line_spacing={size // 3}:x=(w-text_w)/2:y={y}"
        )
    g.chains.append(f"{chain},setsar=1,trim=end_frame={frames},setpts=PTS-STARTPTS,settb={tb}[v{tag}]")


def _ink(colour: str) -> str:
    """White words on a dark card, near-black on a light one."""
    r, g, b = (int(colour[k : k + 2], 16) for k in (0, 2, 4))
    return "0x111111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "white"


def piece_args(piece: Piece, fmt: FilmFormat, out: Path) -> tuple[list[str], list[Path]]:
    """The ffmpeg command that writes ``piece`` into ``out``, and the temporaries it reads."""
    g = _Graph()
    frames = piece.a_range[1] - piece.a_range[0]
    samples = _samples(piece.a_range[1], fmt) - _samples(piece.a_range[0], fmt)
    if piece.b is None or piece.into is None:
        _side(g, piece.a, piece.a_range, fmt, "", out)
    else:
        _side(g, piece.a, piece.a_range, fmt, "0", out)
        _side(g, piece.b, piece.b_range, fmt, "1", out)
        b_samples = _samples(piece.b_range[1], fmt) - _samples(piece.b_range[0], fmt)
        seconds = fmt.seconds(frames)
        g.chains.append(
            f"[v0][v1]xfade=transition={piece.into.type}:duration={seconds:.6f}:offset=0,"
            f"trim=end_frame={frames},setpts=PTS-STARTPTS[v]"
        )
        g.chains.append(
            f"[a0][a1]acrossfade=ns={min(samples, b_samples)}:c1=tri:c2=tri,apad,"
            f"atrim=end_sample={b_samples},asetpts=PTS-STARTPTS,{SAMPLES}[a]"
        )
    graph = ";".join(g.chains)
    args = ffmpeg_command(
        *g.inputs, "-filter_complex", graph, "-map", "[v]", "-map", "[a]", *encode_args(fmt), os.fspath(out)
    )
    return args, g.files


def _encode(piece: Piece, fmt: FilmFormat, out: Path) -> None:
    args, files = piece_args(piece, fmt, out)
    try:
        run_ffmpeg(args, what=f"rendering {piece.what}", timeout=PIECE_TIMEOUT)
    finally:
        for f in files:
            f.unlink(missing_ok=True)


def clip_source(clip: StoredClip, sha256: str | None, fmt: FilmFormat) -> Source:
    """A shot's clip as a source: named by its key, take and bytes; as many frames as it conforms to."""
    ident = repr(("clip", clip.key, clip.take, sha256))
    return Source(ident, _clip_frames(clip.info, fmt), clip=clip)


def card_source(card: CardSpec, fmt: FilmFormat) -> Source:
    """A card as a source: named by its words, its image's bytes and its colour (its length is the range's)."""
    from ..store.cliprecords import file_sha256

    image = file_sha256(card.image) if card.image is not None else None
    ident = repr(("card", card.text, image, card.background))
    return Source(ident, fmt.frames(card.seconds), card=card)


def _clip_frames(info: ClipInfo, fmt: FilmFormat) -> int:
    return fmt.frames(info.seconds)
