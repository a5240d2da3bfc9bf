"""`storyboard jobs`: the jobs sent and not stored yet, from the journal (and a team store's claims)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from storyboard.ops import jobs
from storyboard.store import LiveJob, Store
from tests.conftest import Project
from tests.hosted_fixtures import TEXT_ONLY, Hosted

KEY = "ab" + "3" * 62


def jobs_json(project: Project, *args: str) -> dict[str, Any]:
    result = project.cli("jobs", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def test_an_empty_journal_says_so(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.root)
    result = project.cli("jobs")  # no store at all
    assert result.exit_code == 0 and "No jobs in flight" in result.output, result.output
    assert not (project.root / ".storyboard").exists()  # reading created nothing
    assert jobs_json(project)["jobs"] == []


def test_a_journalled_job_is_listed_with_its_age_and_named_from_the_records(tmp_path: Path) -> None:
    with Store(tmp_path, create=True) as store:
        store.record_build("a.yaml", "pour", KEY, {}, "wavespeed", status="failed", take=2)
        store.journal_intent(KEY, "wavespeed", None, "{}", take=2)
        store.journal_update(KEY, "submitted", job_id="job-7", take=2)
        store.journal_intent("cd" + "0" * 62, "qingbo", None, "{}")
        store.journal_update("cd" + "0" * 62, "unknown", error="qingbo answered 502")
        created = store.journal(KEY, take=2)
    assert created is not None
    listed = jobs(tmp_path, now=created.created + 300)
    first, second = listed.jobs
    assert (first.shot, first.storyboard, first.take, first.provider, first.job, first.status) == (
        "pour",
        "a.yaml",
        2,
        "wavespeed",
        "job-7",
        "submitted",
    )
    assert second.shot is None and second.error == "qingbo answered 502"  # no record names its key
    shown = listed.to_json()["jobs"][0]
    assert shown["age_seconds"] == 300 and shown["age"] == "5 min ago" and shown["where"] == "local"
    assert shown["holder"] is not None and shown["key"] == KEY

    text = Project(tmp_path, CliRunner()).cli("jobs", str(tmp_path))
    assert text.exit_code == 0, text.output
    assert "pour" in text.output and "job-7" in text.output and "submitted" in text.output
    assert "just now" in text.output and "qingbo answered 502" in text.output


def test_a_team_stores_claims_merge_and_a_job_known_here_is_listed_once(tmp_path: Path) -> None:
    with Store(tmp_path, create=True) as store:
        store.journal_intent(KEY, "runware", "task-1", "{}")
        entry = store.journal(KEY)
    assert entry is not None
    remote = [
        LiveJob(KEY, 1, "runware", "task-1", "submitted", entry.created, entry.created, where="remote", holder="ci-7"),
        LiveJob("ef" + "1" * 62, 1, "runware", "task-2", "claimed", 1.0, 2.0, where="remote", holder="ci-8"),
    ]
    listed = jobs(tmp_path, extra=remote, now=entry.created)
    assert [(j.job, j.where, j.holder) for j in listed.jobs] == [
        ("task-2", "remote", "ci-8"),
        ("task-1", "local", listed.jobs[1].holder),
    ]
    assert listed.jobs[1].holder != "ci-7"


def test_a_build_killed_after_submit_leaves_its_job_listed_until_the_next_build_stores_it(
    hosted: Callable[..., Hosted],
) -> None:
    h = hosted("runware", TEXT_ONLY)
    h.crash_between_request_and_answer()  # kill -9 once the provider made the first job, before its answer came back
    board = str(h.project.root / "storyboard.yaml")
    listed = jobs_json(h.project, board)
    (job,) = listed["jobs"]
    assert job["shot"] in {"one", "two", "three"} and job["storyboard"] == "storyboard.yaml"  # named by the file
    assert job["provider"] == "runware" and job["status"] == "submitting" and job["take"] == 1
    assert job["job"] is not None and job["age_seconds"] >= 0 and listed["others"] == 0
    text = h.project.cli("jobs", board)
    assert text.exit_code == 0 and job["shot"] in text.output and "submitting" in text.output, text.output

    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count(created=True) == 3  # the job was claimed again under its task id, not paid twice
    after = h.project.cli("jobs", board)
    assert after.exit_code == 0 and "No jobs in flight" in after.output, after.output
    spent = h.project.cli("cost", board, "--format", "json")
    report = json.loads(spent.output)
    assert report["total"]["jobs"] == 3 and report["in_flight"] == 0
    billed = sum(Decimal(str(j.extra["cost"])) for j in h.server.jobs.values())  # runware reports each cost
    assert len(h.server.jobs) == 3 and Decimal(str(report["total"]["paid_usd"])) == billed > 0
