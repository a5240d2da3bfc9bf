"""The no-op plan (ops/memo.py): a plan is answered from its last answer only while nothing it read changed.

Each test plans through the command line twice or more and counts the plans answered in full
(``answer_plan`` calls): an answer from the memo must be byte for byte the full one, and any
change to what the plan read (the file, an include, a template, a media file or where its path
leads, the store, a clip, the environment, the output's place, the code) must answer in full.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storyboard.ops import memo
from storyboard.store import ClipRecord, Store
from storyboard.store.state import read_generation
from tests.conftest import Project, compiled_of

BOARD = """
version: 1
settings: {provider: apimart, resolution: 720p, duration: 5}
vars: {look: warm light}
characters:
  Mara: {images: [refs/a.png]}
shots:
  - id: a
    prompt: "@Mara walks, {{ look }}. {% include 'prompts/extra.j2' ignore missing %}"
  - id: b
    extends: a
    prompt: "@a The camera pulls back. {% include 'prompts/tail.j2' %}"
  - {id: c, prompt: "The cup turns.", first_frame: refs/b.png}
"""
plan_command = importlib.import_module("storyboard.cli.commands.plan")


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The plans answered in full (the memo is not trusted for these); files are trusted at once."""
    monkeypatch.setattr(memo, "RACY_SECONDS", 0.0)  # the racy rule has its own test
    calls: list[str] = []
    real = plan_command.answer_plan

    def counting(file: str, *args: Any) -> Any:
        calls.append(file)
        return real(file, *args)

    monkeypatch.setattr(plan_command, "answer_plan", counting)
    return calls


@pytest.fixture
def board(project: Project) -> Path:
    """BOARD with its templates and an empty store (plan makes none)."""
    (project.root / "prompts").mkdir()
    (project.root / "prompts" / "tail.j2").write_text("Slow.")
    path = project.write(BOARD)
    with Store(project.root, create=True) as store:
        store.db.execute("SELECT 1")  # opens (creates) state.db
    return path


def plan(project: Project, *args: str) -> tuple[int, str, str]:
    result = project.cli("plan", str(project.root / "storyboard.yaml"), *args)
    return result.exit_code, result.stdout, result.stderr


def full(project: Project, *args: str) -> tuple[int, str, str]:
    """What a plan answered in full says now (the memo folder removed first)."""
    shutil.rmtree(project.root / ".storyboard" / memo.MEMO_DIR, ignore_errors=True)
    return plan(project, *args)


def memos(project: Project) -> list[Path]:
    return sorted((project.root / ".storyboard" / memo.MEMO_DIR).glob("plan-*.json"))


def store_clips(path: Path) -> None:
    """Every shot's clip in the store, as a build's put records it (empty files: plan only stats them)."""
    from storyboard.plan import make_plan

    plan_ = make_plan(compiled_of(path))
    with Store(path.parent) as store:
        for shot in plan_.shots:
            clip = store.clip_path(shot.key, take=shot.take)
            clip.parent.mkdir(parents=True, exist_ok=True)
            clip.write_bytes(b"")
            store.record_clip(shot.key, ClipRecord.of(clip, hashlib.sha256(b"").hexdigest()), take=shot.take)
            store.record_build(plan_.storyboard, shot.id, shot.key, shot.inputs, shot.provider, status="built")


def test_an_unchanged_plan_is_answered_from_its_memo_as_written(
    project: Project, board: Path, answered: list[str]
) -> None:
    first = plan(project, "--format", "json")
    again = plan(project, "--format", "json")
    assert first[0] == 0 and json.loads(first[1])["shots"]
    assert again == first and len(answered) == 1
    text = plan(project)  # another format is another command: its own memo
    assert len(answered) == 2 and plan(project) == text and len(answered) == 2
    assert "warning" in text[2] or text[2] == ""  # stderr kept apart from stdout, as written
    assert len(memos(project)) == 2


def test_the_exit_status_is_replayed(project: Project, board: Path, answered: list[str]) -> None:
    assert plan(project, "--detailed-exitcode")[0] == 3  # shots to generate
    assert plan(project, "--detailed-exitcode")[0] == 3 and len(answered) == 1


def _edit_board(project: Project, path: Path) -> None:
    path.write_text(path.read_text().replace("The cup turns.", "The cup spins."))


def _edit_template(project: Project, path: Path) -> None:
    (project.root / "prompts" / "tail.j2").write_text("Slower still.")


def _create_ignored_template(project: Project, path: Path) -> None:
    (project.root / "prompts" / "extra.j2").write_text("Rain.")  # `ignore missing` now finds it


def _replace_media(project: Project, path: Path) -> None:
    target = project.root / "refs" / "b.png"
    shutil.copy(project.root / "refs" / "c.png", target.with_suffix(".new"))
    os.replace(target.with_suffix(".new"), target)  # another picture under the same name


def _store_a_clip(project: Project, path: Path) -> None:
    store_clips(path)  # the build records and clips change the store's generation


def _record_a_build(project: Project, path: Path) -> None:
    """Only a row of the store changes (no clip file): the plan's reasons say so."""
    with Store(path.parent) as store:
        store.record_build(str(path.name), "a", "0" * 64, {"prompt": "an older prompt"}, "apimart", status="built")


def _set_a_key(project: Project, path: Path) -> None:
    os.environ["APIMART_API_KEY"] = "sk-test-not-a-secret"


def _drop_the_bucket(project: Project, path: Path) -> None:
    del os.environ["STORYBOARD_UPLOAD_URL"]


def _fill_the_output_place(project: Project, path: Path) -> None:
    (project.root / "out" / "storyboard.mp4").mkdir(parents=True)  # O005: the film's place is a folder


CHANGES: dict[str, Callable[[Project, Path], None]] = {
    "the storyboard": _edit_board,
    "an included template": _edit_template,
    "a template `ignore missing` skipped": _create_ignored_template,
    "a media file's content": _replace_media,
    "the store's clips": _store_a_clip,
    "a build record": _record_a_build,
    "a provider key set": _set_a_key,
    "the upload bucket": _drop_the_bucket,
    "the film's place": _fill_the_output_place,
}


@pytest.fixture
def environment() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_a_change_to_what_it_read_answers_in_full(
    project: Project, board: Path, answered: list[str], change: str, environment: None
) -> None:
    before = plan(project, "--format", "json")
    assert plan(project, "--format", "json") == before and len(answered) == 1
    CHANGES[change](project, board)
    after = plan(project, "--format", "json")
    assert len(answered) == 2, "the memo answered after the change"
    assert after != before
    assert after == full(project, "--format", "json")  # the answer is the full one


def test_a_symlink_retargeted_answers_in_full(project: Project, board: Path, answered: list[str]) -> None:
    """refs/ is a symlink; pointed at a copy whose b.png is another picture, the written path is the same and
    the file it led to is untouched: only resolving the path again tells."""
    refs, one, two = project.root / "refs", project.root / "refs-one", project.root / "refs-two"
    os.rename(refs, one)
    shutil.copytree(one, two)
    shutil.copy(two / "d.png", two / "b.png")
    refs.symlink_to(one, target_is_directory=True)
    before = plan(project, "--format", "json")
    assert plan(project, "--format", "json") == before and len(answered) == 1
    refs.unlink()
    refs.symlink_to(two, target_is_directory=True)
    after = plan(project, "--format", "json")
    assert len(answered) == 2 and after != before and after == full(project, "--format", "json")


def test_a_removed_clip_answers_in_full(project: Project, board: Path, answered: list[str]) -> None:
    store_clips(board)
    cached = plan(project, "--format", "json")
    assert {s["action"] for s in json.loads(cached[1])["shots"]} == {"cached"}
    assert plan(project, "--format", "json") == cached and len(answered) == 1
    next((project.root / ".storyboard" / "clips").rglob("*.mp4")).unlink()
    after = json.loads(plan(project, "--format", "json")[1])
    assert len(answered) == 2 and "generate" in {s["action"] for s in after["shots"]}


def test_another_code_answers_in_full(
    project: Project, board: Path, answered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(project)
    monkeypatch.setattr(memo, "_code_signature", lambda: ["another storyboard"])
    plan(project)
    assert len(answered) == 2


def test_a_memo_keeps_whether_a_key_is_set_never_the_key(
    project: Project, board: Path, answered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APIMART_API_KEY", "sk-live-7f3a9c")
    plan(project)
    plan(project, "--format", "json")
    assert len(memos(project)) == 2
    for found in memos(project):
        assert b"7f3a9c" not in found.read_bytes()


def test_the_store_changing_during_a_plan_saves_no_memo(
    project: Project, board: Path, answered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = plan_command.answer_plan

    def with_a_build_meanwhile(*args: Any) -> Any:
        result = real(*args)
        _record_a_build(project, board)  # another process wrote a build record while this plan printed
        return result

    monkeypatch.setattr(plan_command, "answer_plan", with_a_build_meanwhile)
    plan(project)
    assert memos(project) == []


def test_a_file_written_in_the_last_seconds_is_not_trusted(project: Project, board: Path) -> None:
    assert memo.RACY_SECONDS >= 1
    plan(project)
    assert memos(project) == []  # the storyboard was just written: its stat might not show a write to come
    long_ago = time.time() - 60
    for folder, _, files in os.walk(project.root):
        for name in files:
            os.utime(os.path.join(folder, name), (long_ago, long_ago))
    (project.root / "refs" / "b.png").write_bytes((project.root / "refs" / "b.png").read_bytes())
    plan(project)
    assert memos(project) == []  # a media file written just now: the same
    os.utime(project.root / "refs" / "b.png", (long_ago, long_ago))
    plan(project)
    assert len(memos(project)) == 1


@pytest.mark.parametrize("case", ["no store", "a team store", "asset roots", "--out", "an invalid file"])
def test_what_a_memo_cannot_see_is_answered_in_full_every_time(
    project: Project, answered: list[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    text = "version: 1\nsettings: {resolution: 480p, duration: 3}\nshots: [{id: a, prompt: a street at dawn}]\n"
    args: list[str] = []
    if case != "no store":
        with Store(project.root, create=True) as store:
            store.db.execute("SELECT 1")
    if case == "a team store":
        monkeypatch.setenv("STORYBOARD_STORE", "s3://team-bucket/storyboard")
        monkeypatch.setattr("storyboard.store.team.open_store", _no_team, raising=True)
    if case == "asset roots":
        (project.root.parent / "brand").mkdir(exist_ok=True)
        text = text.replace("settings: {", "settings: {asset_roots: [../brand], ")
    if case == "--out":
        args = ["--out", str(project.root / "plan.json")]
    if case == "an invalid file":
        text = text.replace("duration: 3", "duration: 99")
    project.write(text)
    plan(project, *args)
    plan(project, *args)
    assert len(answered) == 2
    assert memos(project) == []


def _no_team(root: Path, url: str | None = None, *, environ: Any = None) -> Store:
    return Store(root)  # plan with the team named, without reaching S3: the memo must not be used anyway


def test_generation_counts_writes_to_what_a_plan_reads(project: Project) -> None:
    with Store(project.root, create=True) as store:
        store.db.execute("SELECT 1")
        db = project.root / ".storyboard" / "state.db"
        start = read_generation(db)
        assert start == 0
        store.record_build("storyboard.yaml", "a", "0" * 64, {}, "local", status="built")
        store.db.execute("DELETE FROM builds")
        assert read_generation(db) == start + 2
        store.remember_hash("/x", 1, 2, 3, "f" * 64)  # the hash cache decides no answer
        assert read_generation(db) == start + 2
