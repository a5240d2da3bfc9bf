"""A review page beside the film: the film, and every shot with its frame, prompt and price.

One static HTML file a director can open or an agency can send: click a shot to jump to
it in the film. Thumbnails are named by shot key, so a rebuild makes only the new ones.
"""

from __future__ import annotations

import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from ..compile.output import THUMBS
from ..media.frames import grab_frame
from .files import replace_over, temp_beside
from .timeline import FilmShot

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
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>{{ shots|length }} shots, {{ "%.2f"|format(seconds) }} s, list price ${{ "%.2f"|format(total) }}</p>
<video id="film" src="{{ film }}" controls preload="metadata"></video>
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
{% endfor %}
</table>
</body>
</html>
"""


def write_review(shots: list[FilmShot], film: Path, path: Path, title: str) -> Path:
    """Write ``path`` (HTML) and its thumbnails folder beside it; paths in the page are relative."""
    import jinja2

    thumbs = path.with_suffix(THUMBS)
    thumbs.mkdir(parents=True, exist_ok=True)
    named = [(shot, thumbs / f"{shot.key[:20]}.jpg") for shot in shots]
    todo = {thumb: shot for shot, thumb in named if not thumb.is_file()}  # one per key, even if a shot repeats
    if todo:
        # each frame is its own ffmpeg process, mostly waiting on its decoder: one per core at a time;
        # each runs in a copy of this context, so the build's temporaries and ffmpeg children are its own
        with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as pool:
            jobs = [(t, s, contextvars.copy_context()) for t, s in todo.items()]
            for done in [pool.submit(c.run, _thumbnail, s.clip, s.seconds / 2, t) for t, s, c in jobs]:
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
            }
        )
    env = jinja2.Environment(autoescape=True)  # prompts are user text: escaped
    html = env.from_string(PAGE).render(
        title=title,
        film=os.path.relpath(film, path.parent),
        shots=rows,
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
