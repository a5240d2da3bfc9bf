"""The team store: machines (folders) sharing one S3 bucket pay for each clip once, in total.

Against moto's S3 server on loopback (tests/team_fixtures.py) and the providers' fakes; the
"machines" are folders with stores of their own, built in processes of their own where they
must run at the same moment or be killed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli
from storyboard.store.objects import Objects
from storyboard.store.team import TeamStore, claim_object, team_store
from storyboard.store.teamclaims import HeldClaim, Seen, TeamClaims
from tests.fakes import FakeServer
from tests.fakes.net import ROUTES_VAR, encode_routes
from tests.hosted_fixtures import KEY
from tests.team_fixtures import TeamS3, machine

LOCAL = """
version: 1
settings: {provider: local, resolution: 480p, duration: 3, output: out/film.mp4}
shots:
  - {id: one, prompt: First.}
  - {id: two, prompt: Second.}
  - {id: three, continues: two, prompt: Third.}
"""


def hosted_board(n: int, provider: str = "eachlabs") -> str:
    shots = "\n".join(f"  - {{id: s{i:02d}, prompt: Shot number {i}.}}" for i in range(1, n + 1))
    return (
        f"version: 1\nsettings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}\n"
        f"shots:\n{shots}\n"
    )


def run_cli(root: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args], env=env, catch_exceptions=True)
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def plan_json(root: Path, env: dict[str, str]) -> dict[str, object]:
    code, out = run_cli(root, env, "plan", str(root / "storyboard.yaml"), "--format", "json")
    assert code == 0, out
    parsed: dict[str, object] = json.loads(out)
    return parsed


def actions(plan: dict[str, object]) -> dict[str, str]:
    shots = plan["shots"]
    assert isinstance(shots, list)
    return {row["id"]: row["action"] for row in shots}


def team(s3: TeamS3, prefix: str, claim_seconds: float = 60) -> TeamStore:
    store = team_store(None, s3.env(prefix, claim_seconds))
    assert store is not None
    return store


# -- the claim protocol against the server -------------------------------------------


def test_one_create_wins_among_eight_threads(team_s3: TeamS3) -> None:
    claims = TeamClaims(team(team_s3, "claims-race"), "/somewhere/.storyboard")
    got: list[HeldClaim | Seen] = []
    start = threading.Barrier(8)

    def claim() -> None:
        start.wait()
        got.append(claims.claim("ab" * 32, 1, {"provider": "wavespeed"}))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(g, HeldClaim) for g in got) == 1
    assert all(isinstance(g, Seen) and g.live for g in got if not isinstance(g, HeldClaim))


def test_a_dead_claim_is_taken_over_once_with_its_job_and_the_old_holder_cannot_drop_it(team_s3: TeamS3) -> None:
    store = team(team_s3, "claims-takeover", claim_seconds=30)
    first = TeamClaims(store, "/machine-a/.storyboard")
    held = first.claim("cd" * 32, 1, {"provider": "wavespeed"})
    assert isinstance(held, HeldClaim)
    assert held.update(job_id="job-123", status="submitted", request="{}")
    others = [TeamClaims(store, f"/machine-{n}/.storyboard") for n in "bc"]
    seen = others[0].peek("cd" * 32, 1)
    assert seen is not None and seen.live and seen.job_id == "job-123"
    team_s3.age([claim_object("cd" * 32, 1)], 31, prefix="claims-takeover")
    dead = [o.peek("cd" * 32, 1) for o in others]
    assert all(d is not None and not d.live for d in dead)
    taken = [o.take_over("cd" * 32, 1, d, {"provider": "wavespeed"}) for o, d in zip(others, dead, strict=True) if d]
    assert [t is not None for t in taken] == [True, False]  # the second rewrite finds another ETag
    assert taken[0] is not None and taken[0].body["job_id"] == "job-123"
    assert not held.renew()  # the old holder learns it lost the claim ...
    held.release()  # ... and dropping it deletes nothing
    now = others[1].peek("cd" * 32, 1)
    assert now is not None and now.body["store"] == "/machine-b/.storyboard" and now.live


def test_a_bad_store_setting_is_a_located_error(tmp_path: Path, team_s3: TeamS3) -> None:
    (tmp_path / "storyboard.yaml").write_text(LOCAL.replace("output: out/film.mp4", "store: http://x/y"))
    code, out = run_cli(tmp_path, {}, "check", str(tmp_path / "storyboard.yaml"))
    assert code == 1 and "error[S007]" in out and "storyboard.yaml:3:" in out


@pytest.mark.slow
def test_an_unreachable_store_is_one_message_naming_the_setting(
    tmp_path: Path, media_dir: Path, team_s3: TeamS3
) -> None:
    root = machine(tmp_path, "a", media_dir, LOCAL)
    env = {**team_s3.env("nowhere"), "STORYBOARD_STORE_ENDPOINT": "http://127.0.0.1:9"}  # discard: nothing listens
    done = subprocess.run(
        [sys.executable, "-m", "storyboard", "plan", str(root / "storyboard.yaml")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "STORYBOARD_STORE_ENDPOINT" in done.stderr and "s3://storyboard-team/nowhere" in done.stderr
    assert team_s3.aws["AWS_SECRET_ACCESS_KEY"] not in done.stderr + done.stdout
    assert not (root / ".storyboard").exists()  # plan creates nothing, reachable store or not


# -- machines sharing the store --------------------------------------------------------


def test_a_second_machine_fetches_every_clip_verified_and_generates_none(
    tmp_path: Path, media_dir: Path, team_s3: TeamS3
) -> None:
    env = team_s3.env("local-two")
    a = machine(tmp_path, "a", media_dir, LOCAL)
    b = machine(tmp_path, "b", media_dir, LOCAL)
    code, out = run_cli(a, env, "build", str(a / "storyboard.yaml"), "--yes")
    assert code == 0, out
    clips = team_s3.keys("clips", prefix="local-two")
    assert len(clips) == 3
    assert actions(plan_json(b, env)) == {"one": "cached", "two": "cached", "three": "cached"}
    code, out = run_cli(b, env, "build", str(b / "storyboard.yaml"), "--yes")
    assert code == 0, out
    assert (b / "out" / "film.mp4").stat().st_size > 0
    for name in clips:  # the very bytes machine a made, in b's local store
        assert (b / ".storyboard" / name).read_bytes() == (a / ".storyboard" / name).read_bytes()
    with sqlite3.connect(b / ".storyboard" / "state.db") as db:  # b generated nothing: no build of its own
        assert db.execute("SELECT COUNT(*) FROM builds").fetchone() == (0,)
    assert team_s3.keys("claims", prefix="local-two") == []  # every claim dropped once its clip was up


def test_a_damaged_download_is_refused_and_not_kept(tmp_path: Path, media_dir: Path, team_s3: TeamS3) -> None:
    env = team_s3.env("local-damaged")
    a = machine(tmp_path, "a", media_dir, LOCAL)
    b = machine(tmp_path, "b", media_dir, LOCAL)
    assert run_cli(a, env, "build", str(a / "storyboard.yaml"), "--yes")[0] == 0
    name = next(k for k in team_s3.keys("clips", prefix="local-damaged"))
    client = team_s3.client()
    head = client.head_object(Bucket=team_s3.bucket, Key=f"local-damaged/{name}")
    client.put_object(  # same name and metadata, other bytes: what a corrupting proxy would hand over
        Bucket=team_s3.bucket, Key=f"local-damaged/{name}", Body=b"x" * 100, Metadata=head["Metadata"]
    )
    code, out = run_cli(b, env, "build", str(b / "storyboard.yaml"), "--yes")
    assert code == 1 and "arrived damaged" in out
    assert not (b / ".storyboard" / name).exists()


@pytest.fixture
def provider(fake_net: Callable[..., FakeServer]) -> Callable[..., tuple[FakeServer, dict[str, str]]]:
    """A hosted fake on a loopback socket, for builds in processes of their own; its env."""

    def start(**options: object) -> tuple[FakeServer, dict[str, str]]:
        server = fake_net("eachlabs", key=KEY, **options)  # it reports what it billed: cost compares with that
        server.start(advertise_socket=False)
        env = {
            "EACHLABS_BASE_URL": server.base_url,
            "EACHLABS_API_KEY": KEY,
            "EACHLABS_SUBMITS_PER_MINUTE": "1000",
            "STORYBOARD_POLL_SECONDS": "0.01",
            "STORYBOARD_RETRY_SECONDS": "0.01",
            ROUTES_VAR: encode_routes([server]),
        }
        return server, env

    return start


def spawn(root: Path, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.launch", "build", str(root / "storyboard.yaml"), "--yes", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(process: subprocess.Popen[bytes]) -> str:
    out, _ = process.communicate(timeout=120)
    text = out.decode(errors="replace")
    assert process.returncode == 0, text
    assert "Traceback" not in text, text
    return text


def paid(server: FakeServer) -> int:
    return server.submit_count(created=True)


def billed(server: FakeServer) -> Decimal:
    """What the fake charged, over every job it made."""
    return sum((Decimal(str(job.extra["cost"])) for job in server.jobs.values()), Decimal(0))


def team_cost(root: Path, env: dict[str, str]) -> dict[str, Any]:
    """`storyboard cost` of a folder, with the team store: every machine's spending."""
    code, out = run_cli(root, env, "cost", str(root / "storyboard.yaml"), "--format", "json")
    assert code == 0, out
    parsed: dict[str, Any] = json.loads(out)
    return parsed


@pytest.mark.slow
@pytest.mark.parametrize(("machines", "shots"), [(2, 4), (3, 20)])
def test_machines_started_together_pay_for_each_shot_once_in_total(
    tmp_path: Path,
    media_dir: Path,
    team_s3: TeamS3,
    provider: Callable[..., tuple[FakeServer, dict[str, str]]],
    machines: int,
    shots: int,
) -> None:
    server, env = provider(latency=0.3)
    env = {**env, **team_s3.env(f"together-{machines}")}
    board = hosted_board(shots)
    roots = [machine(tmp_path, f"m{i}", media_dir, board) for i in range(machines)]
    running = [spawn(root, env) for root in roots]
    outputs = [finish(p) for p in running]
    assert paid(server) == shots, outputs
    assert len(team_s3.keys("clips", prefix=f"together-{machines}")) == shots
    assert len(team_s3.keys("ledger", prefix=f"together-{machines}")) == shots
    for root in roots:
        assert (root / "out" / "film.mp4").stat().st_size > 0
    late = machine(tmp_path, "late", media_dir, board)
    assert set(actions(plan_json(late, env)).values()) == {"cached"}
    spent = team_cost(late, env)["total"]  # a machine that paid nothing sees what the team paid
    assert spent["jobs"] == shots and Decimal(str(spent["paid_usd"])) == billed(server) > 0


@pytest.mark.slow
def test_a_killed_machines_claim_is_resumed_after_expiry_without_a_second_submit(
    tmp_path: Path,
    media_dir: Path,
    team_s3: TeamS3,
    provider: Callable[..., tuple[FakeServer, dict[str, str]]],
) -> None:
    server, env = provider()
    env = {**env, **team_s3.env("killed", claim_seconds=30)}
    board = hosted_board(1)
    a = machine(tmp_path, "a", media_dir, board)
    b = machine(tmp_path, "b", media_dir, board)
    polls = server.hold("poll")  # a's job is made and its id answered; its polls then hang
    process = spawn(a, env)
    store = team(team_s3, "killed")
    claims = TeamClaims(store, "")

    def claimed_with_job() -> bool:
        seen = [claims.peek(*_key_take(k)) for k in team_s3.keys("claims", prefix="killed")]
        return any(s is not None and s.job_id for s in seen)

    server.wait_for(lambda: paid(server) == 1, timeout=60)
    server.wait_for(claimed_with_job, timeout=60)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    polls.release()
    live = team_s3.keys("claims", prefix="killed")
    assert len(live) == 1
    (out_b,) = [run_cli(b, env, "plan", str(b / "storyboard.yaml"))[1]]
    assert "in flight on" in out_b  # before expiry: b says who is generating it
    code, out = run_cli(b, env, "jobs", str(b / "storyboard.yaml"), "--format", "json")
    assert code == 0, out
    (job,) = json.loads(out)["jobs"]  # a's job, from its claim: b has no journal of its own
    assert job["where"] == "remote" and job["job"] == next(iter(server.jobs)) and job["status"] == "submitted"
    team_s3.age(live, 31, prefix="killed")
    text = finish(spawn(b, env))
    assert paid(server) == 1, text  # resumed, not submitted again
    assert "resum" in text
    assert (b / "out" / "film.mp4").stat().st_size > 0
    assert team_s3.keys("claims", prefix="killed") == []
    assert len(team_s3.keys("clips", prefix="killed")) == 1
    spent = team_cost(a, env)["total"]  # the job a paid for, stored by b: once
    assert spent["jobs"] == 1 and Decimal(str(spent["paid_usd"])) == billed(server)


def _key_take(name: str) -> tuple[str, int]:
    stem = name.removeprefix("claims/").removesuffix(".json")
    key, _, take = stem.partition(".take")
    return key, int(take) if take else 1


def test_objects_describe_names_the_store(team_s3: TeamS3) -> None:
    store = team(team_s3, "named")
    assert isinstance(store.objects, Objects)
    assert store.describe() == f"s3://{team_s3.bucket}/named"


def test_gc_remote_prunes_exactly_the_old_unreferenced_team_clips_and_never_a_claimed_one(
    tmp_path: Path, media_dir: Path, team_s3: TeamS3
) -> None:
    prefix = "gc-remote"
    env = team_s3.env(prefix)
    a = machine(tmp_path, "a", media_dir, LOCAL)
    assert run_cli(a, env, "build", str(a / "storyboard.yaml"), "--yes")[0] == 0
    before = set(team_s3.keys("clips", prefix=prefix))
    (a / "storyboard.yaml").write_text(LOCAL.replace("First.", "First again."))
    assert run_cli(a, env, "build", str(a / "storyboard.yaml"), "--yes")[0] == 0
    (orphan,) = set(team_s3.keys("clips", prefix=prefix)) - _referenced(a, env)  # the first edit of `one`
    assert orphan in before
    claimed = "clips/ee/" + "ee" * 32 + ".mp4"  # a clip no storyboard here names, being made by someone
    team_s3.client().put_object(Bucket=team_s3.bucket, Key=f"{prefix}/{claimed}", Body=b"\0" * 64)
    held = TeamClaims(team(team_s3, prefix), "/elsewhere/.storyboard").claim("ee" * 32, 1, {"provider": "eachlabs"})
    assert isinstance(held, HeldClaim)
    team_s3.age(team_s3.keys("clips", prefix=prefix), 30 * 86400, prefix=prefix)
    kept = set(team_s3.keys("clips", prefix=prefix)) - {orphan}

    code, out = run_cli(a, env, "gc", str(a), "--keep-days", "7", "--remote", "--dry-run", "--format", "json")
    assert code == 0, out
    said = json.loads(out)
    remote = [i["name"] for i in said["removed"] if i["where"] != "local"]
    assert remote == [orphan]
    assert [i["name"] for i in said["in_use"] if i["where"] != "local"] == [claimed]
    assert set(team_s3.keys("clips", prefix=prefix)) == kept | {orphan}  # a dry run removes nothing

    code, out = run_cli(a, env, "gc", str(a), "--keep-days", "7", "--remote")
    assert code == 0, out
    assert set(team_s3.keys("clips", prefix=prefix)) == kept
    assert len(team_s3.keys("claims", prefix=prefix)) == 1  # claims and the ledger are never pruned
    code, out = run_cli(a, env, "build", str(a / "storyboard.yaml"), "--yes")
    assert code == 0 and "up to date" in out  # nothing the film uses went


def _referenced(root: Path, env: dict[str, str]) -> set[str]:
    """The team-store names of every clip the storyboard references now."""
    from storyboard.store.team import clip_object

    shots = plan_json(root, env)["shots"]
    assert isinstance(shots, list)
    return {clip_object(row["key"], row["take"]) for row in shots}
