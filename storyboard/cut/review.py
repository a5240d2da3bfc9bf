"""A review page beside the film: the film, and every shot with its frame, prompt and price.

One static HTML file a director can open or an agency can send: click a shot to jump to
it in the film. Thumbnails are named by shot key and take, so a rebuild makes only the new
ones. A shot with several takes gets a row of them side by side (start, middle and end
frames each), the picked one marked, each with the command that picks it.
"""

from __future__ import annotations

import contextvars
import os
import shlex
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from ..compile.output import THUMBS
from ..media.frames import grab_frame
from .files import replace_over, temp_beside
from .timeline import FilmShot, TakeClip

FRAMES = (("start", 0.0), ("middle", 0.5), ("end", 0.9))  # where a take's frames are, as parts of its length

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }} — review</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
video { width: 100%; background: #000; }
table { border-collapse: collapse; width: 100%; margin-top: 1.5rem; }
td, th { border-bottom: 1px solid #ddd; padding: .5rem; text-align: left; vertical-align: top; }
td img { width: 12rem; display: block; cursor: pointer; }
.num { text-align: right; white-space: nowrap; }
.built { color: #1a7f37; } .cached { color: #666; }
code { font-size: 85%; }
.takes { display: flex; gap: 1rem; flex-wrap: wrap; }
.take { margin: 0; padding: .5rem; border: 2px solid #ddd; border-radius: 4px; }
.take[data-picked="true"] { border-color: #1a7f37; }
.take .frames { display: flex; gap: 2px; }
.take .frames img { width: 6rem; display: block; }
.take .mark { color: #1a7f37; font-weight: bold; }
.take .absent { color: #999; }
.films { display: flex; gap: 1rem; flex-wrap: wrap; }
.film { margin: 0; width: 14rem; } .film video { height: 10rem; object-fit: contain; }
.film[aria-current="page"] figcaption { color: #1a7f37; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>{{ shots|length }} shots, {{ "%.2f"|format(seconds) }} s, list price ${{ "%.2f"|format(total) }}</p>
<video id="film" src="{{ film }}" controls preload="metadata"></video>
{% if films %}
<h2>The films of this storyboard</h2>
<nav class="films" aria-label="deliverables">
{% for f in films %}
<figure class="film" data-deliverable="{{ f.name }}"{% if f.current %} aria-current="page"{% endif %}>
<video src="{{ f.film }}" controls preload="none" aria-label="{{ f.name }}"></video>
<figcaption>{% if f.current %}<b>{{ f.name }}</b> (this page){% else %}<a href="{{ f.review }}">{{ f.name }}</a>{% endif %}</figcaption>
</figure>
{% endfor %}
</nav>
{% endif %}
<table>
<tr><th>frame</th><th>shot</th><th class="num">at</th><th class="num">length</th><th>prompt</th><th>provider</th><th class="num">price</th></tr>
{% for shot in shots %}
<tr id="{{ shot.id }}">
<td><img src="{{ shot.thumb }}" alt="{{ shot.id }}" onclick="var v=document.getElementById('film');v.currentTime={{ shot.start }};v.play()"></td>
<td><b>{{ shot.id }}</b><br><span class="{{ shot.status }}">{{ shot.status }}</span><br><code>{{ shot.key[:12] }}</code></td>
<td class="num">{{ shot.at }}</td>
<td class="num">{{ "%.2f"|format(shot.seconds) }} s</td>
<td>{{ shot.prompt }}</td>
<td>{{ shot.provider }}</td>
<td class="num">${{ "%.3f"|format(shot.cost) }}</td>
</tr>
{% if shot.takes %}
<tr class="takes-row" data-shot="{{ shot.id }}"><td colspan="7"><div class="takes">
{% for take in shot.takes %}
<figure class="take" data-take="{{ take.number }}" data-picked="{{ 'true' if take.picked else 'false' }}"{% if take.picked %} aria-current="true"{% endif %} aria-label="{{ shot.id }} take {{ take.number }} of {{ shot.takes|length }}{{ ', picked' if take.picked }}">
<figcaption><b>take {{ take.number }}</b>{% if take.picked %} <span class="mark">picked</span>{% endif %}</figcaption>
{% if take.frames %}<div class="frames">{% for frame in take.frames %}<img src="{{ frame.src }}" alt="{{ shot.id }} take {{ take.number }}, {{ frame.name }}">{% endfor %}</div>
{% else %}<p class="absent">not built</p>
{% endif %}
<code class="pick">{{ take.command }}</code>
</figure>
{% endfor %}
</div></td></tr>
{% endif %}
{% endfor %}
</table>
</body>
</html>
"""


def write_review(
    shots: list[FilmShot],
    film: Path,
    path: Path,
    title: str,
    source: str = "storyboard.yaml",
    films: Sequence[tuple[str, Path]] = (),
) -> Path:
    """Write ``path`` (HTML) and its thumbnails folder beside it; paths in the page are relative.

    ``source`` is the storyboard's file name, as the pick commands on the page name it;
    ``films`` are every deliverable's (name, film), this one's among them: each page shows
    them all and links to their pages.
    """
    import jinja2

    thumbs = path.with_suffix(THUMBS)
    thumbs.mkdir(parents=True, exist_ok=True)
    named = [(shot, thumbs / _thumb_name(shot.key, shot.take, "middle")) for shot in shots]
    wanted = {thumb: (shot.clip, shot.seconds / 2) for shot, thumb in named}
    for shot in shots:
        for take in shot.takes:
            if take.clip is not None:
                for name, part in FRAMES:
                    wanted[thumbs / _thumb_name(shot.key, take.number, name)] = (take.clip, shot.seconds * part)
    todo = {thumb: job for thumb, job in wanted.items() if not thumb.is_file()}  # one per key and take
    if todo:
        # each frame is its own ffmpeg process, mostly waiting on its decoder: one per core at a time;
        # each runs in a copy of this context, so the build's temporaries and ffmpeg children are its own
        with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as pool:
            jobs = [(t, clip, at, contextvars.copy_context()) for t, (clip, at) in todo.items()]
            for done in [pool.submit(c.run, _thumbnail, clip, at, t) for t, clip, at, c in jobs]:
                done.result()  # the first failure is raised, after the others have finished
    rows = []
    for shot, thumb in named:
        rows.append(
            {
                "id": shot.id,
                "thumb": os.path.relpath(thumb, path.parent),
                "start": round(shot.start, 3),
                "at": _timecode(shot.start),
                "seconds": shot.seconds,
                "prompt": shot.prompt,
                "provider": shot.provider,
                "cost": shot.cost_usd,
                "status": shot.status,
                "key": shot.key,
                "takes": [_take_row(shot, take, thumbs, path.parent, source) for take in shot.takes],
            }
        )
    env = jinja2.Environment(autoescape=True)  # prompts are user text: escaped
    html = env.from_string(PAGE).render(
        title=title,
        film=os.path.relpath(film, path.parent),
        shots=rows,
        films=[
            {
                "name": name,
                "film": os.path.relpath(other, path.parent),
                "review": os.path.relpath(other.with_suffix(path.suffix), path.parent),
                "current": other == film,
            }
            for name, other in films
        ],
        seconds=sum(s.seconds for s in shots),
        total=sum((s.cost_usd for s in shots), Decimal(0)),
    )
    tmp = temp_beside(path)
    try:
        tmp.write_text(html, encoding="utf-8")
        replace_over(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _thumb_name(key: str, take: int, frame: str) -> str:
    """A thumbnail's file name: the key is every take's, so the take is in it; take 1's middle
    frame keeps the name it had before takes (a page made then is not made again)."""
    stem = key[:20] if take == 1 else f"{key[:20]}-take{take}"
    return f"{stem}.jpg" if frame == "middle" else f"{stem}-{frame}.jpg"


def _take_row(shot: FilmShot, take: TakeClip, thumbs: Path, page: Path, source: str) -> dict[str, object]:
    frames = [
        {"name": name, "src": os.path.relpath(thumbs / _thumb_name(shot.key, take.number, name), page)}
        for name, _ in FRAMES
    ]
    return {
        "number": take.number,
        "picked": take.number == shot.take,
        "frames": frames if take.clip is not None else [],
        "command": shlex.join(["storyboard", "pick", source, shot.id, str(take.number)]),
    }


def _thumbnail(clip: Path, at: float, out: Path) -> None:
    """A frame of the clip, written under a name of its own and renamed: a half-written JPEG is never seen."""
    tmp = temp_beside(out)
    try:
        grab_frame(clip, at, tmp)
        replace_over(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _timecode(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}"
