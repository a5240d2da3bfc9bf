"""qingbo and apimart end to end: builds through the client against their fakes.

What the adapters' tables promise, seen from a build: qingbo's Idempotency-Key makes a
submit whose answer was lost safe to send again (Q7), its quota cost is recorded in USD
(Q5), its reference video travels as ``video_urls`` tagged ``@video_1`` (Q5); a cancelled
task fails its shot and is submitted anew; apimart still extends (A1), which qingbo's
newest page no longer offers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest

from tests.hosted_fixtures import TEXT_ONLY, Hosted

MOTION = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
characters:
  Mara: {{images: [refs/a.png]}}
shots:
  - {{id: pour, prompt: "@Mara pours latte art."}}
  - {{id: move, motion: pour, prompt: "The barista repeats the move in @pour."}}
"""


def test_qingbo_resends_a_lost_submit_under_its_idempotency_key(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hosted("qingbo", TEXT_ONLY)
    monkeypatch.setenv("STORYBOARD_HTTP_TIMEOUT", "0.5")
    h.server.inject("submit", "reset", created=True)  # qingbo made the task; the answer never arrived
    code, output = h.build("--jobs", "1")
    assert code == 0, output
    assert h.server.submit_count(created=True) == 3 and len(h.server.jobs) == 3  # nothing paid twice
    assert h.server.submit_count() >= 4  # the lost one was sent again...
    keys = [s for s in h.server.submits if s.job_ids]
    assert len({tuple(s.job_ids) for s in keys}) == 3  # ...and answered with the task it had made
    assert len(h.server.idempotency) == 3  # type: ignore[attr-defined]  # every submit carried a key


def test_qingbo_reported_cost_is_recorded_in_usd(hosted: Callable[..., Hosted]) -> None:
    h = hosted("qingbo", TEXT_ONLY, min_polls=10**9)
    process = h.subprocess_build()
    h.server.wait_for(lambda: len(h.server.jobs) == 3, timeout=60)
    for i, job in enumerate(h.server.jobs.values()):
        job.extra["cost"] = 150_000 + 5_000 * i  # quota: $0.30, $0.31, $0.32
    h.server.min_polls = 1
    assert process.wait(timeout=60) == 0
    db = sqlite3.connect(h.project.root / ".storyboard" / "state.db")
    rows = db.execute("SELECT cost_usd, list_cost_usd FROM builds").fetchall()
    db.close()
    assert sorted(rows) == [(0.3, 0.33), (0.31, 0.33), (0.32, 0.33)]  # std 480p list price: $0.11 x 3 s


def test_qingbo_sends_the_motion_video_as_video_urls(hosted: Callable[..., Hosted]) -> None:
    h = hosted("qingbo", MOTION)
    code, output = h.build()
    assert code == 0, output
    move = next(s.body for s in h.server.submits if "repeats the move" in json.dumps(s.body))
    assert move["prompt"] == "The barista repeats the move in @video_1." and move["resolution"] == "480p"
    assert move["video_urls"][0].startswith(h.server.base_url + "/files/") and "ref_videos" not in move
    assert all("sound" not in s.body and s.body["action"] == "generate" for s in h.server.submits)


def test_a_cancelled_qingbo_task_fails_its_shot_and_is_sent_anew(hosted: Callable[..., Hosted]) -> None:
    h = hosted("qingbo", TEXT_ONLY)
    h.server.inject("poll", "status:cancelled")
    code, output = h.build("--jobs", "1")
    assert code == 1 and "was cancelled" in output
    assert h.server.submit_count(created=True) == 3
    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count(created=True) == 4  # a new key, so a new task (not the cancelled one replayed)
