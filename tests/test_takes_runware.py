"""Runware makes the takes of a shot as one task (``numberResults``), each take journalled, stored and priced alone."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storyboard.compile import compile_storyboard
from storyboard.load import load
from storyboard.plan import make_plan
from storyboard.run.hosted import adapters
from storyboard.store import Store

BOARD = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
  - {{id: one, prompt: First., takes: 3, take: 2}}
  - {{id: two, prompt: Second.}}
"""
PRICE = Decimal("0.33")  # the fake's 480p list price, 3 s: reported per result
RUNWARE = adapters()["runware"]


def key_of(root: Path, shot: str) -> str:
    compiled = compile_storyboard(load(root / "storyboard.yaml"))
    return make_plan(compiled).shot(shot).key


def tasks(server: Any) -> list[dict[str, Any]]:
    """Every videoInference task that made a job at the fake, in order."""
    return [t for s in server.submits if s.created for t in s.body if t.get("taskType") == "videoInference"]


def takes_of(root: Path, key: str) -> dict[int, Any]:
    with Store(root) as store:
        return {take: entry for (k, take), entry in store.jobs.all().items() if k == key}


def test_three_takes_are_one_task_of_three_results_each_stored_and_priced(hosted) -> None:
    h = hosted("runware", BOARD)
    code, output = h.build()
    assert code == 0, output
    key = key_of(h.project.root, "one")
    made = tasks(h.server)
    assert sorted(t.get("numberResults", 1) for t in made) == [1, 3]  # `two` alone, the three takes of `one` together
    (batch,) = [t for t in made if t.get("numberResults") == 3]
    clips = h.project.root / ".storyboard" / "clips"
    names = sorted(p.name for p in clips.rglob(f"{key}*.mp4"))
    assert names == sorted([f"{key}.mp4", f"{key}.take2.mp4", f"{key}.take3.mp4"])
    journal = takes_of(h.project.root, key)
    assert sorted(journal) == [1, 2, 3]
    assert {e.status for e in journal.values()} == {"done"} and {e.job_id for e in journal.values()} == {
        batch["taskUUID"]
    }
    # each take its own result of the task (the fake renders one file per size, so the bytes cannot tell them apart)
    assert sorted(e.result_urls[0] for e in journal.values()) == sorted(h.server.jobs[batch["taskUUID"]].urls)
    assert len({e.result_urls for e in journal.values()}) == 3
    assert [Decimal(str(journal[k].cost_usd)) for k in (1, 2, 3)] == [PRICE] * 3  # priced per take
    assert "spent $1.32" in output  # four clips, each paid once: 3 takes + `two` at $0.33

    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count(created=True) == 2  # the rebuild pays nothing


def test_only_the_missing_takes_go_in_the_task(hosted) -> None:
    h = hosted("runware", BOARD)
    code, output = h.build("--only", "one#1")
    assert code == 0, output
    code, output = h.build()
    assert code == 0, output
    # one#1 alone first; then `two`, and one task for the two takes still missing
    assert sorted(t.get("numberResults", 1) for t in tasks(h.server)) == [1, 1, 2]
    key = key_of(h.project.root, "one")
    with Store(h.project.root) as store:
        assert all(store.has_clip(key, take=k) for k in (1, 2, 3))


def test_a_lost_answer_is_asked_for_again_under_the_tasks_id_never_sent_as_a_new_task(hosted) -> None:
    """The task is made but its answer lost: the takes are journalled unknown; they are sent again under the
    same taskUUID (Runware answers conflictTaskUUID: the task exists) and every take gets its result."""
    h = hosted("runware", BOARD.replace("{id: two, prompt: Second.}", "{id: two, prompt: Second., takes: 2}"))
    h.server.inject("submit", "malformed", created=True)
    h.build("--jobs", "1")  # the take whose submit lost its answer fails; the rest resume the same task
    code, output = h.build()
    assert code == 0, output
    assert len(tasks(h.server)) == 2  # one task per shot, for its 3 and 2 takes: none made twice
    assert sorted(t["numberResults"] for t in tasks(h.server)) == [2, 3]
    for shot, n in (("one", 3), ("two", 2)):
        journal = takes_of(h.project.root, key_of(h.project.root, shot))
        assert sorted(journal) == list(range(1, n + 1)) and {e.status for e in journal.values()} == {"done"}
        assert len({e.job_id for e in journal.values()}) == 1 and len({e.result_urls for e in journal.values()}) == n


def test_wavespeed_keeps_one_job_per_take(hosted) -> None:
    h = hosted("wavespeed", BOARD)
    code, output = h.build("--jobs", "2")
    assert code == 0, output
    assert h.server.submit_count(created=True) == 4


def _item(uuid: str, url: str, cost: float, index: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"taskType": "videoInference", "taskUUID": "t", "videoUUID": uuid, "videoURL": url}
    item["cost"] = cost
    if index is not None:
        item["resultIndex"] = index
    return item


def test_the_results_of_a_task_are_read_in_one_order_whatever_order_they_come_in() -> None:
    a, b, c = _item("a", "https://r/a", 0.1), _item("b", "https://r/b", 0.2), _item("c", "https://r/c", 0.3)
    one = RUNWARE.polled({"data": [c, a, b]})
    two = RUNWARE.polled({"data": [b, c, a]})
    assert one == two and one.urls == ("https://r/a", "https://r/b", "https://r/c")
    assert one.costs == (Decimal("0.1"), Decimal("0.2"), Decimal("0.3"))
    indexed = RUNWARE.polled({"data": [_item("z", "https://r/z", 0.1, 0), _item("a", "https://r/a", 0.1, 1)]})
    assert indexed.urls == ("https://r/z", "https://r/a")  # resultIndex first, as the SDK keys them
    partial = RUNWARE.polled({"data": [a, {"taskType": "videoInference", "taskUUID": "t", "status": "processing"}]})
    assert len(partial.urls) <= 1  # the client waits for numberResults results before any take takes one


@pytest.mark.parametrize("n", [2, 4])
def test_the_task_asks_for_n_results(n: int) -> None:
    (task,) = RUNWARE.with_results([{"taskType": "videoInference", "numberResults": 1}], n)
    assert task["numberResults"] == n


@pytest.mark.slow  # a build in its own process, killed: ~15 s
def test_a_build_killed_mid_batch_resumes_every_take_and_creates_no_new_task(hosted) -> None:
    h = hosted("runware", "version: 1\nsettings: {{provider: {provider}, resolution: 480p, duration: 3}}\n"
               "shots:\n  - {{id: one, prompt: First., takes: 3}}\n")  # fmt: skip
    h.crash_between_request_and_answer()  # kill -9 once the fake made the task, before its answer came back
    assert tasks(h.server)[0]["numberResults"] == 3 and h.server.submit_count(created=True) == 1
    key = key_of(h.project.root, "one")
    assert {e.status for e in takes_of(h.project.root, key).values()} == {"submitting"}  # all three journalled
    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count(created=True) == 1  # the task was asked for again by its taskUUID: no new one
    journal = takes_of(h.project.root, key)
    assert {e.status for e in journal.values()} == {"done"} and len({e.result_urls for e in journal.values()}) == 3
    with Store(h.project.root) as store:
        assert all(store.has_clip(key, take=k) for k in (1, 2, 3))
    assert "spent $0.00" in output  # the killed build's task: paid there, not here


def test_a_task_whose_results_partly_failed_keeps_the_ones_that_came() -> None:
    """Results that came are paid for: the takes keep them; only a take left without one is sent anew."""
    a, b = _item("a", "https://r/a", 0.33), _item("b", "https://r/b", 0.33)
    error = {"taskType": "videoInference", "taskUUID": "t", "status": "error", "error": {"message": "nsfw"}}
    state = RUNWARE.polled({"data": [b, error, a]})
    assert state.state == "done" and state.urls == ("https://r/a", "https://r/b") and state.failed_results == 1
    assert state.error == "nsfw"
    processing = {"taskType": "videoInference", "taskUUID": "t", "status": "processing"}
    assert RUNWARE.polled({"data": [a, error, processing]}).state == "running"  # the others may still come
    assert RUNWARE.polled({"data": [error]}).state == "failed"  # nothing came: nothing paid, all sent anew


def test_resubmitting_one_take_sends_that_take_alone_and_leaves_the_others_journal(hosted) -> None:
    h = hosted("runware", BOARD)
    code, output = h.build()
    assert code == 0, output
    key = key_of(h.project.root, "one")
    batch_id = takes_of(h.project.root, key)[1].job_id
    with Store(h.project.root) as store:  # take 2 as a build leaves a job the provider lost: no clip, journalled lost
        store.clip_path(key, take=2).unlink()
        store.journal_update(key, "lost", take=2, error="no such task")
    code, output = h.build("--only", "one#2")
    assert code != 0 and "--resubmit" in output  # a lost job is never sent again on its own
    code, output = h.build("--only", "one#2", "--resubmit")
    assert code == 0, output
    assert [t.get("numberResults", 1) for t in tasks(h.server)][2:] == [1]  # take 2 alone, anew
    journal = takes_of(h.project.root, key)
    assert journal[1].job_id == journal[3].job_id == batch_id != journal[2].job_id  # take 1's paid job kept


def test_a_take_whose_result_failed_is_sent_anew_alone_and_the_others_keep_theirs(hosted) -> None:
    h = hosted("runware", BOARD)
    h.server.failed_results = 1  # the last of the three results ends in error, the other two come
    code, output = h.build()
    assert code != 0 and "one#3" in output
    key = key_of(h.project.root, "one")
    with Store(h.project.root) as store:
        assert [store.has_clip(key, take=k) for k in (1, 2, 3)] == [True, True, False]
    assert takes_of(h.project.root, key)[3].status == "failed"
    h.server.failed_results = 0
    code, output = h.build()
    assert code == 0, output
    # the batch, `two`, then take 3 alone: takes 1 and 2, paid for, are never sent again
    assert [t.get("numberResults", 1) for t in tasks(h.server)][2:] == [1]
    with Store(h.project.root) as store:
        assert all(store.has_clip(key, take=k) for k in (1, 2, 3))


def test_an_expired_result_url_of_a_batched_take_is_asked_for_again_and_gets_that_takes_result(hosted) -> None:
    h = hosted("runware", BOARD)
    code, output = h.build()
    assert code == 0, output
    key = key_of(h.project.root, "one")
    mine = takes_of(h.project.root, key)[3].result_urls
    with Store(h.project.root) as store:  # take 3's clip gone, its journalled URL expired
        store.clip_path(key, take=3).unlink()
        store.journal_update(key, "done", take=3, result_urls=(h.server.url("/files/expired.mp4"),))
    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count(created=True) == 2  # polled again by its taskUUID, not sent
    assert takes_of(h.project.root, key)[3].result_urls == mine  # its own result, not the task's first
    assert "spent $0.00" in output
