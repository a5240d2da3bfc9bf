"""A review page beside the film: the film, and every shot with its frame, prompt and price.

One static HTML file a director can open or an agency can send: click a shot to jump to
it in the film. Thumbnails are named by shot key, take and moment (:mod:`.thumbs`), so a
rebuild makes only the new ones, and most are made while the build still runs. A shot with
several takes gets a row of them side by side (start, middle and end frames each), the
picked one marked, each with the command that picks it.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from ..compile.output import THUMBS
from .files import replace_over, temp_beside
from .review_dag import BOX_H, BOX_W, Dag, draw
from .thumbs import FRAMES, frame_name, make_frames, poster_frame, row_frame, take_frames
from .timeline import FilmShot, TakeClip

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — review</title>
<style>
:root { --player: 56vh; }
body { font: 15px/1.4 system-ui, sans-serif; margin: 1rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
header { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between; gap: .5rem 2rem; }
h1 { font-size: 1.5rem; margin: 0; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
.summary { margin: .2rem 0 0; color: #555; }
#film { display: block; margin: .75rem auto 0; background: #000; max-width: 100%; max-height: var(--player); }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
td, th { border-bottom: 1px solid #ddd; padding: .4rem .5rem; text-align: left; vertical-align: top; }
td img, .swatch { height: 5.5rem; width: auto; max-width: 11rem; object-fit: contain; display: block; cursor: pointer; background: #000; }
.swatch { width: 9.8rem; box-sizing: border-box; padding: .4rem; color: #fff; font-size: 80%; overflow: hidden;
  display: flex; align-items: center; justify-content: center; text-align: center; border: 1px solid #ccc; }
.num { text-align: right; white-space: nowrap; }
.built { color: #1a7f37; } .cached { color: #666; } .kind { color: #8250df; }
code { font-size: 85%; }
tr.transition td { border-bottom: none; padding: .1rem .5rem; color: #8250df; font-size: 85%; }
.trim { color: #666; font-size: 85%; }
.takes { display: flex; gap: 1rem; flex-wrap: wrap; }
.take { margin: 0; padding: .5rem; border: 2px solid #ddd; border-radius: 4px; }
.take[data-picked="true"] { border-color: #1a7f37; }
.take .frames { display: flex; gap: 2px; }
.take .frames img { width: 6rem; height: auto; max-width: none; display: block; }
.take .mark { color: #1a7f37; font-weight: bold; }
.take .absent { color: #999; }
.films { display: flex; gap: .75rem; flex-wrap: wrap; }
.film { margin: 0; text-align: center; font-size: 85%; }
.film video { width: 7rem; height: 4rem; object-fit: contain; background: #000; display: block; }
.film[aria-current="page"] figcaption { color: #1a7f37; }
.dag-scroll { overflow: auto; max-height: 80vh; border: 1px solid #eee; }
.dag svg { display: block; margin: 0 auto; font: 12px system-ui, sans-serif; }
.dag .node rect { fill: #fff; stroke: #555; } .dag a.node:hover rect, .dag a.node:focus rect { fill: #eef6ff; }
.dag .node.offcut rect { stroke-dasharray: 4 3; fill: #f6f6f6; } .dag .node text { fill: #222; }
.dag .caption { fill: #666; } .dag .edge { fill: none; stroke-width: 1.5; }
.extends { stroke: #0969da; color: #0969da; } .continues { stroke: #8250df; color: #8250df; stroke-dasharray: 6 3; }
.motion { stroke: #bf8700; color: #bf8700; stroke-dasharray: 2 3; }
.soundtrack table { width: auto; min-width: 36rem; }
.legend span { margin-right: 1.5rem; font-size: 90%; }
</style>
</head>
<body>
<header>
<div>
<h1>{{ title }}</h1>
<p class="summary">{{ shot_count }} shot{{ "s" if shot_count != 1 }}{% if card_count %}, {{ card_count }} card{{ "s" if card_count > 1 }}{% endif %}, {{ "%.2f"|format(seconds) }} s, list price ${{ "%.2f"|format(total) }}</p>
</div>
{% if films %}
<nav class="films" aria-label="the films of this storyboard">
{% for f in films %}
<figure class="film" data-deliverable="{{ f.name }}"{% if f.current %} aria-current="page"{% endif %}>
<video src="{{ f.film }}" muted preload="metadata" aria-label="{{ f.name }}"></video>
<figcaption>{% if f.current %}<b>{{ f.name }}</b> (this page){% else %}<a href="{{ f.review }}">{{ f.name }}</a>{% endif %}</figcaption>
</figure>
{% endfor %}
</nav>
{% endif %}
</header>
<main>
<video id="film" src="{{ film }}" controls preload="metadata"{% if poster %} poster="{{ poster }}"{% endif %}{% if size %} width="{{ size[0] }}" height="{{ size[1] }}" style="width: min(100%, calc(var(--player) * {{ size[0] }} / {{ size[1] }})); height: auto; aspect-ratio: {{ size[0] }} / {{ size[1] }}"{% endif %}></video>
<table class="shots">
<tr><th>frame</th><th>shot</th><th class="num">at</th><th class="num">length</th><th>prompt</th><th>provider</th><th class="num">price</th></tr>
{% for row in rows %}
{% if row.transition %}
<tr class="transition" data-into="{{ row.id }}" data-transition="{{ row.transition.type }}"><td></td><td colspan="6">&#x2935; {{ row.transition.type }}, {{ "%.2f"|format(row.transition.seconds) }} s into {{ row.id }}</td></tr>
{% endif %}
{% if row.kind == "card" %}
<tr id="{{ row.id }}" class="card" data-entry="card">
<td><div class="swatch"{% if row.background %} style="background: {{ row.background }}"{% endif %} onclick="var v=document.getElementById('film');v.currentTime={{ row.start }};v.play()">{{ row.text }}</div></td>
<td><b>{{ row.id }}</b><br><span class="kind">card</span></td>
<td class="num">{{ row.at }}</td>
<td class="num">{{ "%.2f"|format(row.seconds) }} s</td>
<td>{{ row.text }}{% if row.image %}<br><span class="trim">image: {{ row.image }}</span>{% endif %}</td>
<td>drawn locally</td>
<td class="num">$0.000</td>
</tr>
{% else %}
<tr id="{{ row.id }}">
<td><img src="{{ row.thumb }}" alt="{{ row.id }}" onclick="var v=document.getElementById('film');v.currentTime={{ row.start }};v.play()"></td>
<td><b>{{ row.id }}</b><br><span class="{{ row.status }}">{{ row.status }}</span><br><code>{{ row.key[:12] }}</code></td>
<td class="num">{{ row.at }}</td>
<td class="num">{{ "%.2f"|format(row.seconds) }} s{% if row.trim %}<br><span class="trim">trim {{ row.trim }}</span>{% endif %}</td>
<td>{{ row.prompt }}</td>
<td>{{ row.provider }}</td>
<td class="num">${{ "%.3f"|format(row.cost) }}</td>
</tr>
{% if row.takes %}
<tr class="takes-row" data-shot="{{ row.id }}"><td colspan="7"><div class="takes">
{% for take in row.takes %}
<figure class="take" data-take="{{ take.number }}" data-picked="{{ 'true' if take.picked else 'false' }}"{% if take.picked %} aria-current="true"{% endif %} aria-label="{{ row.id }} take {{ take.number }} of {{ row.takes|length }}{{ ', picked' if take.picked }}">
<figcaption><b>take {{ take.number }}</b>{% if take.picked %} <span class="mark">picked</span>{% endif %}</figcaption>
{% if take.frames %}<div class="frames">{% for frame in take.frames %}<img src="{{ frame.src }}" alt="{{ row.id }} take {{ take.number }}, {{ frame.name }}">{% endfor %}</div>
{% else %}<p class="absent">not built</p>
{% endif %}
<code class="pick">{{ take.command }}</code>
</figure>
{% endfor %}
</div></td></tr>
{% endif %}
{% endif %}
{% endfor %}
</table>
{% if soundtrack %}
<section class="soundtrack">
<h2>Soundtrack</h2>
<table>
<tr><th>file</th><th class="num">at</th><th class="num">volume</th><th class="num">ducked under sound</th></tr>
{% for track in soundtrack %}
<tr data-file="{{ track.file }}"><td><code>{{ track.file }}</code></td><td class="num">{{ track.at }}</td><td class="num">{{ track.volume }}</td><td class="num">{{ track.duck }}</td></tr>
{% endfor %}
</table>
</section>
{% endif %}
{% if captions %}
<p class="captions">Captions: <code>{{ captions.file }}</code>, {{ "burned into the picture" if captions.burn else "a subtitle track of the film" }}</p>
{% endif %}
{% if dag %}
<section class="dag">
<h2>How the shots are built on each other</h2>
<p class="legend"><span class="extends">&#x2500;&#x2500; extends</span><span class="continues">- - continues</span><span class="motion">&middot;&middot;&middot; follows the motion of</span><span>a box links to its shot; dashed: not in this film's cut</span></p>
<div class="dag-scroll">
<svg xmlns="http://www.w3.org/2000/svg" width="{{ dag.width }}" height="{{ dag.height }}" viewBox="0 0 {{ dag.width }} {{ dag.height }}" role="group" aria-label="the shots and what each is built on, in {{ dag.layers }} layers">
<defs>{% for kind in ("extends", "continues", "motion") %}<marker id="arrow-{{ kind }}" class="{{ kind }}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="currentColor" stroke="none"/></marker>{% endfor %}</defs>
{% for line in dag.lines %}
<path class="edge {{ line.kind }}" data-from="{{ line.parent }}" data-to="{{ line.child }}" data-kind="{{ line.kind }}" d="{{ line.d }}" marker-end="url(#arrow-{{ line.kind }})"><title>{{ line.child }} {{ line.kind }} {{ line.parent }}</title></path>
{% endfor %}
{% if dag.loose %}<text x="{{ dag.width // 2 }}" y="{{ dag.loose }}" text-anchor="middle" class="caption">shots on their own: built on no shot, and none built on them</text>{% endif %}
{% for box in dag.boxes %}
{% if box.linked %}<a class="node" data-shot="{{ box.id }}" data-layer="{{ box.layer }}" href="#{{ box.id }}">{% else %}<g class="node offcut" data-shot="{{ box.id }}" data-layer="{{ box.layer }}">{% endif %}
<title>{{ box.id }}{{ "" if box.linked else " (not in this film's cut)" }}</title><rect x="{{ box.x }}" y="{{ box.y }}" width="{{ box_w }}" height="{{ box_h }}" rx="4"/><text x="{{ box.x + box_w // 2 }}" y="{{ box.y + box_h // 2 + 4 }}" text-anchor="middle">{{ box.label }}</text>
{% if box.linked %}</a>{% else %}</g>{% endif %}
{% endfor %}
</svg>
</div>
</section>
{% endif %}
</main>
</body>
</html>
"""
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}")  # a card's background, put in a style only when it is one


def write_review(
    shots: list[FilmShot],
    film: Path,
    path: Path,
    title: str,
    source: str = "storyboard.yaml",
    films: Sequence[tuple[str, Path]] = (),
    *,
    size: tuple[int, int] | None = None,
    dag: Dag | None = None,
    entries: Sequence[object] | None = None,
    soundtrack: Sequence[object] | None = None,
    captions: object | None = None,
) -> Path:
    """Write ``path`` (HTML) and its thumbnails folder beside it; paths in the page are relative.

    ``source`` is the storyboard's file name, as the pick commands on the page name it;
    ``films`` are every deliverable's (name, film), this one's among them: each page shows
    them all and links to their pages. ``size`` is the film's frame size: the player keeps
    its shape and fits the window before the video has loaded. ``dag`` is drawn below the
    shots. ``entries`` are the cut's entries (a shot id, or an object or mapping with
    ``shot`` or ``card``, and ``transition``/``trim``), ``soundtrack`` its files and
    ``captions`` its subtitles: read by name and shown when present, so the page follows
    the cut's language as it grows.
    """
    import jinja2

    thumbs = path.with_suffix(THUMBS)
    thumbs.mkdir(parents=True, exist_ok=True)
    rowed = [(shot, row_frame(shot.key, shot.take, shot.clip, shot.seconds, thumbs)) for shot in shots]
    named = [(shot, thumb) for shot, (thumb, _) in rowed]
    wanted = dict(frame for _, frame in rowed)
    for shot in shots:
        for take in shot.takes:
            if take.clip is not None:
                wanted.update(take_frames(shot.key, take.number, take.clip, shot.seconds, thumbs))
    frames = {id(shot): os.path.relpath(thumb, path.parent) for shot, thumb in named}

    def shot_row(shot: FilmShot, start: float, seconds: float, trim: tuple[float, float] | None) -> dict[str, object]:
        return {
            "kind": "shot",
            "shot": shot,
            "id": shot.id,
            "thumb": frames[id(shot)],
            "start": round(start, 3),
            "at": _timecode(start),
            "seconds": seconds,
            "trim": "" if trim is None else f"{trim[0]:.2f}–{trim[1]:.2f} s",
            "cut_in": 0.0 if trim is None else trim[0],
            "prompt": shot.prompt,
            "provider": shot.provider,
            "cost": shot.cost_usd,
            "status": shot.status,
            "key": shot.key,
            "takes": [_take_row(shot, take, thumbs, path.parent, source) for take in shot.takes],
        }

    rows, length = _rows(shots, entries, shot_row)
    # the player's poster: the film's first frame at the player's size, shown until the video has one
    opening, poster = rows[0].get("shot") if rows else None, None  # none when the film opens on a card
    if isinstance(opening, FilmShot) and size is not None:
        at = _number(rows[0]["cut_in"])
        poster, job = poster_frame(opening.key, opening.take, opening.clip, at, size, thumbs)
        wanted[poster] = job
    make_frames(wanted)  # those not made before, or while the build ran (ops/ahead.py)
    env = jinja2.Environment(autoescape=True)  # prompts are user text: escaped
    html = env.from_string(PAGE).render(
        title=title,
        film=os.path.relpath(film, path.parent),
        size=size,
        poster=None if poster is None else os.path.relpath(poster, path.parent),
        rows=rows,
        films=[
            {
                "name": name,
                "film": os.path.relpath(other, path.parent),
                "review": os.path.relpath(other.with_suffix(path.suffix), path.parent),
                "current": other == film,
            }
            for name, other in films
        ],
        shot_count=sum(1 for r in rows if r["kind"] == "shot"),
        card_count=sum(1 for r in rows if r["kind"] == "card"),
        seconds=length,
        total=sum((s.cost_usd for s in shots), Decimal(0)),
        soundtrack=[_track(t) for t in soundtrack or ()],
        captions=None if captions is None else {"file": _field(captions, "file"), "burn": _field(captions, "burn")},
        dag=draw(dag, [str(r["id"]) for r in rows]) if dag is not None and dag.edges else None,
        box_w=BOX_W,
        box_h=BOX_H,
    )
    tmp = temp_beside(path)
    try:
        tmp.write_text(html, encoding="utf-8")
        replace_over(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _rows(
    shots: list[FilmShot],
    entries: Sequence[object] | None,
    shot_row: Callable[[FilmShot, float, float, tuple[float, float] | None], dict[str, object]],
) -> tuple[list[dict[str, object]], float]:
    """The shot list's rows in film order, and the film's length.

    Without entries, a row per shot at its place in the film. With them, cards are rows
    too and a transition is a note above the row it leads into; each entry starts where the
    one before it ends less its transition's seconds (the film's length is the sum of its
    entries less the overlaps). A shot entry the film shows through its extension (the
    extension's clip holds it) has no row of its own, as before.
    """
    if entries is None:
        return [shot_row(s, s.start, s.seconds, None) for s in shots], sum(s.seconds for s in shots)
    rows: list[dict[str, object]] = []
    queue, used, end = list(shots), 0, 0.0
    for n, entry in enumerate(entries):
        plain = isinstance(entry, str)
        # the compiler's entries say their kind and id; a cut entry as written says `shot:`
        named = None if plain else (_field(entry, "id") if _field(entry, "kind") == "shot" else None)
        sid = entry if plain else (_field(entry, "shot") or named)
        card = None if plain else _field(entry, "card")
        transition = None if plain else _field(entry, "transition")
        overlap = _number(_field(transition, "seconds")) if transition is not None else 0.0
        note = None if transition is None else {"type": str(_field(transition, "type") or "fade"), "seconds": overlap}
        start = max(end - overlap, 0.0)
        if sid is not None:
            if used < len(queue) and queue[used].id == str(sid):
                shot, used = queue[used], used + 1
                trim = None if plain else _field(entry, "trim")
                seconds, points = shot.seconds, None
                if isinstance(trim, Sequence) and not isinstance(trim, str) and len(trim) == 2:
                    points = (_number(trim[0]), min(_number(trim[1]), shot.seconds))
                    seconds = max(points[1] - points[0], 0.0)
                rows.append({**shot_row(shot, start, seconds, points), "transition": note})
                end = start + seconds
        elif card is not None:
            seconds = _number(_field(card, "seconds"))
            background = str(_field(card, "background") or "")
            image = _field(card, "image")
            rows.append(
                {
                    "kind": "card",
                    "id": str(_field(entry, "id") or f"card-{n + 1}"),
                    "text": str(_field(card, "text") or ""),
                    "image": "" if image is None else str(image),
                    "background": background if COLOUR.fullmatch(background) else "",
                    "start": round(start, 3),
                    "at": _timecode(start),
                    "seconds": seconds,
                    "transition": note,
                }
            )
            end = start + seconds
    for shot in queue[used:]:  # a shot no entry names (entries and shots out of step): shown all the same
        rows.append(shot_row(shot, end, shot.seconds, None))
        end += shot.seconds
    return rows, end


def _track(track: object) -> dict[str, str]:
    """A soundtrack file's row: what the file says, units added; what it leaves out is blank."""
    at, volume, duck = (_field(track, name) for name in ("at", "volume", "duck"))
    return {
        "file": str(_field(track, "file") or ""),
        "at": "" if at is None else f"{_number(at):.2f} s",
        "volume": "" if volume is None else f"{_number(volume):+g} dB",
        "duck": "" if duck is None else f"{_number(duck):+g} dB",
    }


def _field(obj: object, name: str) -> object:
    """``obj.name`` or ``obj[name]``, None when absent: entries may be models or plain mappings."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _take_row(shot: FilmShot, take: TakeClip, thumbs: Path, page: Path, source: str) -> dict[str, object]:
    frames = [
        {"name": name, "src": os.path.relpath(thumbs / frame_name(shot.key, take.number, shot.seconds * part), page)}
        for name, part in FRAMES
    ]
    return {
        "number": take.number,
        "picked": take.number == shot.take,
        "frames": frames if take.clip is not None else [],
        "command": shlex.join(["storyboard", "pick", source, shot.id, str(take.number)]),
    }


def _timecode(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}"
