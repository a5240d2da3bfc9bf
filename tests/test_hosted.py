"""Builds through the five hosted providers, against loopback fakes written from their pages.

Real HTTP on 127.0.0.1, real mp4s, a real S3 (moto) for uploads. Each test counts what
the provider received: a shot is never submitted twice unless its first job failed or
the user asked for it.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hosted_fixtures import BUCKET, KEY, TEXT_ONLY, Hosted


def secrets_in(root: Path, *texts: str) -> list[str]:
    """Every file under root and every text that holds the key."""
    found = [str(p) for p in root.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]
    return found + [t[:80] for t in texts if KEY in t]


# -- a film through each provider -------------------------------------------------------------
@pytest.mark.parametrize("provider", ["wavespeed", "eachlabs", "runware", "qingbo", "apimart"])
def test_a_film_through_each_provider(hosted: Callable[..., Hosted], provider: str) -> None:
    h = hosted(provider)
    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count() == 3 and h.server.submit_count(created=True) == 3
    assert abs(h.film_seconds() - 9.0) < 0.2  # open 3 + pour 3 + move (follows pour's 3 s clip)
    bodies = {json.dumps(s.body) for s in h.server.submits}
    move = next(b for b in bodies if "repeats the move" in b)
    assert h.server.base_url + "/files/" in move  # pour's own result URL, not an upload of it
    pour = next(b for b in bodies if "pours latte" in b)
    if provider == "runware":
        assert "data:image/png;base64," in pour  # its page takes images inline
    else:
        assert f"/{BUCKET}/{provider}/" in pour and "X-Amz-Signature" in pour  # a presigned upload
    journal = h.journal()
    assert {journal[s][0] for s in ("open", "pour", "move")} == {"done"}

    again, output = h.build()
    assert again == 0 and "0 built, 3 cached" in output
    assert h.server.submit_count() == 3
    assert not secrets_in(h.project.root, output)


def test_runware_reported_cost_is_recorded_beside_the_list_price(hosted: Callable[..., Hosted]) -> None:
    h = hosted("runware", TEXT_ONLY, min_polls=10**9)
    process = h.subprocess_build()
    h.server.wait_for(lambda: len(h.server.jobs) == 3, timeout=60)
    for i, job in enumerate(h.server.jobs.values()):
        job.extra["cost"] = 0.3 + i / 100  # a discount the list price does not know
    h.server.min_polls = 1
    assert process.wait(timeout=60) == 0
    db = sqlite3.connect(h.project.root / ".storyboard" / "state.db")
    rows = db.execute("SELECT cost_usd, list_cost_usd FROM builds").fetchall()
    db.close()
    assert sorted(rows) == [(0.3, 0.33), (0.31, 0.33), (0.32, 0.33)]  # std 480p: $0.11 x 3 s


# -- faults -----------------------------------------------------------------------------------
def test_429_with_retry_after_is_waited_out_and_retried(hosted: Callable[..., Hosted]) -> None:
    h = hosted("eachlabs", TEXT_ONLY)
    h.server.inject("submit", "429", retry_after=1)
    import time

    started = time.monotonic()
    code, output = h.build()
    assert code == 0, output
    assert time.monotonic() - started >= 1.0  # Retry-After honoured
    assert h.server.submit_count(created=True) == 3 and h.server.submit_count() == 4


@pytest.mark.parametrize(
    "endpoint, fault, times",
    [
        ("submit", "429", 2),
        ("poll", "500", 2),
        ("poll", "reset", 1),
        ("poll", "malformed", 1),
        ("poll", "timeout", 1),
        ("download", "truncate", 1),
        ("download", "500", 1),
    ],
)
def test_transient_faults_are_retried_without_a_second_job(
    hosted: Callable[..., Hosted], endpoint: str, fault: str, times: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hosted("qingbo", TEXT_ONLY)
    monkeypatch.setenv("STORYBOARD_HTTP_TIMEOUT", "0.5")
    h.server.inject(endpoint, fault, times=times)  # type: ignore[arg-type]
    code, output = h.build()
    assert code == 0, output
    assert h.server.faults_left() == 0
    assert h.server.submit_count(created=True) == 3
    assert abs(h.film_seconds() - 9.0) < 0.2


@pytest.mark.parametrize("fault", ["reset", "timeout", "malformed"])
def test_a_submit_without_an_answer_is_not_resent_blindly(
    hosted: Callable[..., Hosted], fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    monkeypatch.setenv("STORYBOARD_HTTP_TIMEOUT", "0.5")
    h.server.inject("submit", fault, created=True)  # type: ignore[arg-type]
    code, output = h.build("--jobs", "1")
    assert code == 1
    assert "got no answer" in output and "--resubmit" in output
    assert h.server.submit_count() == 3  # one lost answer, two clean submits: nothing repeated
    assert sum(1 for status, _ in h.journal().values() if status == "unknown") == 1
    code, output = h.build()
    assert code == 1 and h.server.submit_count() == 3  # still not resent
    lost = h.server.submits[0].body["prompt"]  # --jobs 1: the first submit met the fault
    shot = {"First.": "one", "Second.": "two", "Third.": "three"}[lost]
    code, output = h.build("--only", shot, "--resubmit")
    assert code == 0, output
    assert h.server.submit_count() == 4
    assert abs(h.film_seconds() - 9.0) < 0.2


def test_runware_looks_a_lost_submit_up_by_its_own_task_uuid(hosted: Callable[..., Hosted]) -> None:
    h = hosted("runware", TEXT_ONLY)
    h.server.inject("submit", "reset", created=True)
    code, output = h.build()
    assert code == 0, output
    # the lost one was sent again under its own taskUUID and refused as a duplicate: three jobs, three paid
    assert h.server.submit_count(created=True) == 3 and h.server.submit_count() == 4


def test_a_job_that_fails_fails_its_shot_and_descendants_only(hosted: Callable[..., Hosted]) -> None:
    h = hosted("apimart")
    h.server.inject("poll", "failed")
    code, output = h.build("--jobs", "1")
    assert code == 1
    assert "content policy violation (injected)" in output
    statuses = {line.split("`")[1]: line for line in output.splitlines() if line.startswith("storyboard build: shot `")}
    assert len(statuses) >= 1
    built = [s for s in ("open", "pour", "move") if s not in statuses]
    assert built  # the others finished and are stored
    code, output = h.build()
    assert code == 0, output  # a failed job is submitted anew on the next build


def test_a_404_on_download_keeps_the_job_and_the_next_build_downloads_it(hosted: Callable[..., Hosted]) -> None:
    h = hosted("qingbo", TEXT_ONLY)
    h.server.inject("download", "404")
    code, output = h.build()
    assert code == 1 and "answered 404" in output
    assert h.server.submit_count() == 3
    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count() == 3  # the finished job was downloaded, not paid for again


def test_a_refused_request_fails_with_the_providers_own_message(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hosted("qingbo", TEXT_ONLY)
    monkeypatch.setenv("QINGBO_API_KEY", "sk-wrong")
    code, output = h.build()
    assert code == 1 and "refused the key in QINGBO_API_KEY (401)" in output
    assert "sk-wrong" not in output
    assert h.server.submit_count(created=True) == 0
    monkeypatch.setenv("QINGBO_API_KEY", KEY)
    code, output = h.build()
    assert code == 0, output  # a refused submit left nothing behind that blocks the next build


def test_budget_refuses_before_any_request(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    code, output = h.build("--budget", "0.10")
    assert code == 4 and "over the budget" in output
    assert h.server.requests == []


# -- crashes ----------------------------------------------------------------------------------
def test_kill_9_mid_flight_then_rebuild_submits_each_shot_once(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hosted("wavespeed", TEXT_ONLY, min_polls=10**9)  # the jobs stay running until released
    monkeypatch.setenv("WAVESPEED_CONCURRENCY", "3")  # all three in flight at the kill
    process = h.subprocess_build()
    polled = lambda: {path.split("/")[-2] for method, path, _ in h.server.requests if path.endswith("/result")}  # noqa: E731
    h.server.wait_for(lambda: len(polled()) == 3, timeout=60)  # every job id journalled (polling follows it)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert h.server.submit_count() == 3
    shown = h.project.cli("plan", str(h.project.root / "storyboard.yaml"), "--format", "json")
    assert shown.stderr == "", shown.stderr
    plan = json.loads(shown.stdout)
    assert all(s["resumes_job"] and s["cost_usd"] == 0 for s in plan["shots"])  # already paid: the plan says so
    assert plan["total_cost_usd"] == 0
    h.server.min_polls = 1
    code, output = h.build()
    assert code == 0, output
    assert "spent $0.00" in output
    assert h.server.submit_count() == 3  # resumed, not resubmitted
    assert abs(h.film_seconds() - 9.0) < 0.2
    assert not secrets_in(h.project.root, output)


def test_kill_9_between_request_and_answer(hosted: Callable[..., Hosted]) -> None:
    h = hosted("runware", TEXT_ONLY)
    h.crash_between_request_and_answer()
    code, output = h.build()
    assert code == 0, output
    # the job made before the crash was claimed again by its taskUUID (a duplicate): no second job
    assert h.server.submit_count(created=True) == 3


# -- limits -----------------------------------------------------------------------------------
FIVE = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
""" + "".join(f"  - {{{{id: s{i}, prompt: Shot {i}.}}}}\n" for i in range(5))


def test_concurrency_limit_keeps_under_the_providers_own(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hosted("eachlabs", FIVE, max_concurrent=2, latency=0.3)
    monkeypatch.setenv("EACHLABS_CONCURRENCY", "2")
    code, output = h.build()
    assert code == 0, output
    assert [r for r in h.server.requests if r[2] == 429] == []  # never over eachlabs' concurrent jobs
    assert h.server.submit_count() == 5


def test_over_the_concurrency_limit_the_provider_429s_and_the_client_waits(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hosted("eachlabs", FIVE, max_concurrent=2, latency=0.3)
    monkeypatch.setenv("EACHLABS_CONCURRENCY", "4")  # more than the key allows
    monkeypatch.setenv("STORYBOARD_RETRY_SECONDS", "0.1")  # backoff long enough for a job to finish
    code, output = h.build()
    assert code == 0, output
    assert [r for r in h.server.requests if r[2] == 429]  # refused, retried with backoff
    assert h.server.submit_count(created=True) == 5


@pytest.mark.parametrize(
    "provider, concurrency, per_minute",
    [
        ("eachlabs", 10, None),  # its errors reference: 10 in flight, "no per-second request limit"
        ("wavespeed", 2, 2),  # its account-levels page: Bronze, every account's first level
    ],
)
def test_default_limits_are_the_documented_ones(
    hosted: Callable[..., Hosted],
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
    concurrency: int,
    per_minute: int | None,
) -> None:
    from storyboard.run.hosted import hosted_providers
    from storyboard.store import Store

    hosted(provider, TEXT_ONLY)
    monkeypatch.delenv(f"{provider.upper()}_SUBMITS_PER_MINUTE")
    with Store(Path(".")) as store:
        client = hosted_providers({provider}, store)[provider]
    assert client.concurrency == concurrency and client.settings.submits_per_minute == per_minute


def test_plan_shows_no_key_and_sends_nothing(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    result = h.project.cli("plan", str(h.project.root / "storyboard.yaml"), "--format", "json")
    assert result.exit_code == 0 and KEY not in result.output
    assert json.loads(result.output)["total_cost_usd"] > 0
    assert h.server.requests == []


CHAIN = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
  - {{id: pour, prompt: Latte art.}}
  - {{id: wide, extends: pour, prompt: "@pour The camera pulls back."}}
  - {{id: steam, continues: wide, prompt: Steam fills the frame.}}
"""


@pytest.mark.parametrize("whole", [False, True])
def test_extension_and_continuity_through_a_provider(hosted: Callable[..., Hosted], whole: bool) -> None:
    h = hosted("apimart", CHAIN, extend_whole=whole)  # qingbo's newest page offers no extension
    code, output = h.build()
    assert code == 0, output
    wide = next(s.body for s in h.server.submits if s.body["prompt"].startswith("@pour"))
    assert wide["ref_videos"][0]["type"] == "extend"
    assert wide["ref_videos"][0]["video_url"].startswith(h.server.base_url + "/files/")  # pour's own result URL
    steam = next(s.body for s in h.server.submits if s.body["prompt"].startswith("Steam"))
    assert "X-Amz-Signature" in steam["first_frame_image"]  # wide's last frame, uploaded
    # an extension that holds the whole video replaces its parent in the cut: every second once
    assert abs(h.film_seconds() - 9.0) < 0.2


def test_a_4xx_refusal_fails_the_shot_with_the_providers_message_and_is_not_retried(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    from storyboard.run.hosted.qingbo import Qingbo

    h = hosted("qingbo", TEXT_ONLY)
    body = Qingbo.body

    def with_negative_prompt(self: Qingbo, *args: object) -> object:
        return {**body(self, *args), "negative_prompt": "no people"}  # seed 003: V4 has no negative prompt

    monkeypatch.setattr(Qingbo, "body", with_negative_prompt)
    code, output = h.build()
    assert code == 1 and "qingbo refused the job (400)" in output and "negative_prompt" in output
    assert h.server.submit_count() == 3 and h.server.submit_count(created=True) == 0  # one try each, no retry
    assert h.journal() == {}  # nothing was created, so nothing is journalled
    monkeypatch.setattr(Qingbo, "body", body)
    code, output = h.build()
    assert code == 0, output


def test_kill_9_between_request_and_answer_without_a_client_id_is_not_resent(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    h.crash_between_request_and_answer()
    plan = h.project.cli("plan", str(h.project.root / "storyboard.yaml"))
    assert "got no answer" in plan.output
    code, output = h.build()
    assert code == 1 and "may exist and be billed" in output and "--only one --resubmit" in output
    assert h.server.submit_count() == 3  # `one` was not sent again
    code, output = h.build("--only", "one", "--resubmit")
    assert code == 0, output
    assert h.server.submit_count() == 4


def test_a_clip_of_the_wrong_length_is_refused_not_stored(hosted: Callable[..., Hosted]) -> None:
    from tests.fakes import ClipSpec

    h = hosted("apimart", TEXT_ONLY, min_polls=10**9)
    process = h.subprocess_build("--jobs", "3")
    h.server.wait_for(lambda: len(h.server.jobs) == 3, timeout=60)
    job = next(j for j in h.server.jobs.values() if j.body["prompt"] == "Second.")
    job.clips = (ClipSpec.of(854, 480, 7.0),)  # asked for 3 s
    h.server.min_polls = 1
    assert process.wait(timeout=60) == 1
    stderr = process.stderr.read().decode() if process.stderr else ""
    assert "returned a clip of 7.00 s for `two`; expected 3.00 s" in stderr
    db = sqlite3.connect(h.project.root / ".storyboard" / "state.db")
    built = {shot for (shot,) in db.execute("SELECT shot FROM builds WHERE status = 'built'")}
    db.close()
    statuses = sorted(
        status
        for (status,) in sqlite3.connect(h.project.root / ".storyboard" / "state.db").execute("SELECT status FROM jobs")
    )
    # the paid job stays journalled: the next build fetches it again at $0 instead of paying twice
    assert built == {"one", "three"} and statuses == ["done", "done", "done"]
    code, output = h.build()
    assert code == 1 and "stays journalled" in output and "--resubmit" in output
    assert h.server.submit_count(created=True) == 3
    code, output = h.build("--only", "two", "--resubmit")  # the one way to pay again
    assert code == 0, output
    assert h.server.submit_count(created=True) == 4


@pytest.mark.parametrize("provider", ["wavespeed", "eachlabs", "runware", "qingbo", "apimart"])
def test_a_provider_error_that_echoes_the_key_reaches_neither_screen_nor_disk(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    from storyboard.run.hosted import adapters
    from storyboard.run.hosted.api import JobState

    h = hosted(provider, TEXT_ONLY)
    monkeypatch.setattr(
        type(adapters()[provider]),
        "polled",
        lambda self, answer: JobState("failed", error=f"quota exceeded for key {KEY}"),
    )
    code, output = h.build()
    assert code == 1 and "quota exceeded for key ***" in output, output
    # the journal, the build records, the sidecars, the output: the key is in none of them
    assert secrets_in(h.project.root, output) == []
    with sqlite3.connect(h.project.root / ".storyboard" / "state.db") as db:
        errors = [e for (e,) in db.execute("SELECT error FROM jobs") if e]
    assert errors and all("***" in e for e in errors)
