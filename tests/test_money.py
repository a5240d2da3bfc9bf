"""Money under faults: every paid job is kept until its clip is stored, and nothing is paid twice.

Each test counts the jobs the fake provider *created* (what a real one bills) across the
failing build and the rebuild: exactly one per shot, unless the user asked for --resubmit
or the provider itself ended a job without a clip.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from collections.abc import Callable

import pytest

from tests.hosted_fixtures import TEXT_ONLY, Hosted

SHOTS = {"First.": "one", "Second.": "two", "Third.": "three"}


def paid(h: Hosted) -> int:
    return h.server.submit_count(created=True)


def journal(h: Hosted) -> dict[str, str]:
    """Each shot's journal status, found by the prompt it was submitted with."""
    db = sqlite3.connect(h.project.root / ".storyboard" / "state.db")
    try:
        rows = db.execute("SELECT status, request FROM jobs").fetchall()
    finally:
        db.close()
    out: dict[str, str] = {}
    for status, request in rows:
        for prompt, shot in SHOTS.items():
            if prompt in request:
                out[shot] = status
    return out


def shot_of(body: object) -> str:
    """The shot a submitted body was for, whatever the provider's envelope."""
    text = json.dumps(body)
    (shot,) = [shot for prompt, shot in SHOTS.items() if prompt in text]
    return shot


def first_shot(h: Hosted) -> str:
    return shot_of(h.server.submits[0].body)


# -- polls ---------------------------------------------------------------------------------
def test_a_404_on_the_first_polls_is_retried_before_it_is_believed(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    h.server.inject("poll", "404", times=2)  # a job just accepted, not visible yet
    code, output = h.build("--jobs", "1")
    assert code == 0, output
    assert h.server.faults_left() == 0 and paid(h) == 3


def test_a_job_the_provider_keeps_denying_is_lost_and_only_resubmit_pays_again(hosted: Callable[..., Hosted]) -> None:
    h = hosted("eachlabs", TEXT_ONLY)
    h.server.inject("poll", "404", times=3)
    code, output = h.build("--jobs", "1")
    lost = first_shot(h)
    assert code == 1 and "has no job" in output and f"--only {lost} --resubmit" in output
    assert paid(h) == 3 and journal(h)[lost] == "lost"
    code, output = h.build()
    assert code == 1 and paid(h) == 3  # not sent again on its own
    code, output = h.build("--only", lost, "--resubmit")
    assert code == 0, output
    assert paid(h) == 4


@pytest.mark.parametrize("times, ends", [(2, False), (5, True)])
def test_a_status_word_outside_the_table_ends_the_wait_after_a_few_polls(
    hosted: Callable[..., Hosted], times: int, ends: bool
) -> None:
    h = hosted("apimart", TEXT_ONLY, min_polls=6)
    h.server.inject("poll", "word:paused", times=times)
    code, output = h.build("--jobs", "1")
    assert paid(h) == 3
    if not ends:  # a word seen twice among known ones is waited through
        assert code == 0, output
        return
    stuck = first_shot(h)
    assert code == 1 and "'paused' 5 times" in output and "stays journalled" in output, output
    assert journal(h)[stuck] == "submitted"  # kept: it may be paid
    code, output = h.build()
    assert code == 0, output  # the next build polls the same job to its end
    assert paid(h) == 3


@pytest.mark.parametrize("word", ["cancelled", "deleted"])
def test_a_job_the_provider_ended_without_a_clip_fails_clearly_and_is_sent_anew(
    hosted: Callable[..., Hosted], word: str
) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    h.server.inject("poll", f"status:{word}")
    code, output = h.build("--jobs", "1")
    ended = first_shot(h)
    assert code == 1 and f"shot `{ended}` failed" in output and "the next build submits it anew" in output
    assert paid(h) == 3 and journal(h)[ended] == "failed"
    code, output = h.build()
    assert code == 0, output
    assert paid(h) == 4 and [shot_of(s.body) for s in h.server.submits[3:]] == [ended]


# -- results -------------------------------------------------------------------------------
def test_a_result_url_serving_a_web_page_once_is_fetched_again_at_no_cost(hosted: Callable[..., Hosted]) -> None:
    h = hosted("qingbo", TEXT_ONLY)
    h.server.inject("download", "html")
    code, output = h.build("--jobs", "1")
    broken = first_shot(h)
    assert code == 1 and "not a video" in output and "stays journalled" in output
    assert journal(h)[broken] == "done" and paid(h) == 3
    code, output = h.build()
    assert code == 0, output
    assert paid(h) == 3 and "spent $0.00" in output


def test_a_result_url_that_always_serves_a_web_page_never_costs_a_second_job(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    h.server.inject("download", "html", times=6)  # every download of two builds
    for _ in range(2):
        code, output = h.build()
        assert code == 1 and output.count("stays journalled") >= 3
        assert paid(h) == 3
    assert h.server.faults_left() == 0
    code, output = h.build()
    assert code == 0, output
    assert paid(h) == 3


# -- submits -------------------------------------------------------------------------------
def test_a_5xx_to_a_submit_without_a_client_id_is_an_unknown_outcome(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    h.server.inject("submit", "500", created=True)  # the provider took it, then answered 500
    code, output = h.build("--jobs", "1")
    lost = first_shot(h)
    assert code == 1 and "got no answer (wavespeed answered 500" in output
    assert paid(h) == 3 and h.server.submit_count() == 3 and journal(h)[lost] == "unknown"
    code, output = h.build()
    assert code == 1 and h.server.submit_count() == 3  # never resent blindly


@pytest.mark.parametrize("created", [True, False])
def test_a_5xx_to_a_submit_with_a_client_id_is_resent_under_the_same_id(
    hosted: Callable[..., Hosted], created: bool
) -> None:
    h = hosted("runware", TEXT_ONLY)
    h.server.inject("submit", "503", created=created)
    code, output = h.build()
    assert code == 0, output
    assert paid(h) == 3 and h.server.submit_count() == 4


def test_ctrl_c_during_a_slow_submit_waits_for_its_answer(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    hold = h.server.hold("submit")
    process = h.subprocess_build("--jobs", "1")
    h.server.wait_for(lambda: paid(h) == 1, timeout=60)
    process.send_signal(signal.SIGINT)
    assert process.stderr is not None
    seen = b""
    while b"interrupted: waiting up to" not in seen:  # the build is waiting for the held answer
        line = process.stderr.readline()
        assert line, seen.decode()
        seen += line
    hold.release()
    code = process.wait(timeout=60)
    rest = process.stderr.read().decode()
    assert code == 130, seen.decode() + rest
    (status,) = journal(h).values()
    assert status == "submitted", seen.decode() + rest  # the job id arrived and was journalled before the exit
    code, output = h.build()
    assert code == 0, output
    assert paid(h) == 3 and h.server.submit_count() == 3


def test_two_builds_of_one_folder_started_together_pay_once_per_shot(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY, min_polls=3)
    first = h.subprocess_build()
    second = h.subprocess_build()
    codes = first.wait(timeout=120), second.wait(timeout=120)
    told = [p.stderr.read().decode() for p in (first, second) if p.stderr is not None]
    assert codes == (0, 0), "\n---\n".join(told)
    assert paid(h) == 3 and h.server.submit_count() == 3
    assert abs(h.film_seconds() - 9.0) < 0.2


def test_a_refusal_inside_a_2xx_leaves_no_job_and_the_next_build_sends_it(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.eachlabs import EachlabsFake
    from tests.fakes.server import Reply

    h = hosted("eachlabs", TEXT_ONLY)
    real = EachlabsFake.submit
    refusals = iter([True])

    def refuse_once(self: EachlabsFake, req: object) -> Reply:
        if next(refusals, False):  # seed 001:79: a create refused in a 200, with status "error"
            return Reply.json(200, {"status": "error", "message": "insufficient balance (injected)"})
        return real(self, req)  # type: ignore[arg-type]

    monkeypatch.setattr(EachlabsFake, "submit", refuse_once)
    code, output = h.build("--jobs", "1")
    refused = first_shot(h)
    assert code == 1 and "insufficient balance (injected)" in output and "--resubmit" not in output
    assert paid(h) == 2 and refused not in journal(h)  # no job, nothing kept
    code, output = h.build()
    assert code == 0, output
    assert paid(h) == 3


def test_a_2xx_that_names_no_job_is_an_unknown_outcome(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.apimart import ApimartFake
    from tests.fakes.server import Reply

    h = hosted("apimart", TEXT_ONLY)
    real = ApimartFake.submit
    blank = iter([True])

    def create_then_forget_the_id(self: ApimartFake, req: object) -> Reply:
        reply = real(self, req)  # type: ignore[arg-type]
        return Reply.json(200, {"code": 200, "data": []}) if next(blank, False) else reply

    monkeypatch.setattr(ApimartFake, "submit", create_then_forget_the_id)
    code, output = h.build("--jobs", "1")
    lost = first_shot(h)
    assert code == 1 and "got no answer" in output and f"--only {lost} --resubmit" in output
    assert paid(h) == 3 and journal(h)[lost] == "unknown"
    code, output = h.build()
    assert code == 1 and h.server.submit_count() == 3  # the job it made is not paid for twice
