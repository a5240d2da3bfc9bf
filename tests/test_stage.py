"""The stager against a real S3 server (moto, on loopback): uploads once per content, URLs that fetch the bytes."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from storyboard.errors import StagingError
from storyboard.run.hosted.stage import Stager, stager_from_env
from storyboard.store.bucket import Bucket

BUCKET = "storyboard-media"
SECRET = "sEcReT-d0-n0t-l3ak-7f3a9c"


@dataclass
class S3:
    endpoint: str
    port: int
    client: Any  # a boto3 S3 client of the test's own, to look at the bucket


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    """One moto server for the module, with fake credentials and no AWS settings of the machine's."""
    nowhere = tmp_path_factory.mktemp("aws") / "none"
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith(("AWS_", "STORYBOARD_UPLOAD_"))]:
            mp.delenv(name)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", str(nowhere))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask 169.254.169.254 for credentials
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint)
        client.create_bucket(Bucket=BUCKET)
        try:
            yield S3(endpoint, port, client)
        finally:
            server.stop()


def media(tmp_path: Path, name: str, data: bytes) -> tuple[Path, str]:
    path = tmp_path / name
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def count_puts(stager: Stager) -> list[str]:
    """A list that gets the path of every PutObject the stager's client sends."""
    keys: list[str] = []
    stager.bucket.client.meta.events.register(
        "before-call.s3.PutObject", lambda params, **_: keys.append(params["url_path"])
    )
    return keys


def test_upload_then_fetch_gives_the_bytes_and_type(s3: S3, tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    path, digest = media(tmp_path, "Ref.PNG", data)
    stager = Stager(f"s3://{BUCKET}/refs", endpoint_url=s3.endpoint, expires=600)
    url = stager.url_for(path, digest)
    assert url.startswith(f"{s3.endpoint}/{BUCKET}/refs/{digest}.png?")  # path-style, suffix lowered
    assert "X-Amz-Expires=600" in url and "X-Amz-Signature=" in url
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"
    assert stager.uploads == 1
    assert stager.describe() == f"s3://{BUCKET}/refs"


def test_unknown_suffix_is_octet_stream(s3: S3, tmp_path: Path) -> None:
    path, digest = media(tmp_path, "blob.zzq", b"opaque")
    url = Stager(f"s3://{BUCKET}", endpoint_url=s3.endpoint).url_for(path, digest)
    assert httpx.get(url).headers["content-type"] == "application/octet-stream"


def test_same_bytes_go_up_once_across_calls_and_instances(s3: S3, tmp_path: Path) -> None:
    path, digest = media(tmp_path, "voice.wav", b"RIFF-once")
    copy, _ = media(tmp_path, "copy_of_voice.wav", b"RIFF-once")
    first = Stager(f"s3://{BUCKET}/once", endpoint_url=s3.endpoint)
    puts = count_puts(first)
    calls: list[str] = []
    url = first.url_for(path, digest)
    first.bucket.client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    assert first.url_for(copy, digest).split("?")[0] == url.split("?")[0]
    assert calls == []  # known in memory: only presigning, no request
    second = Stager(f"s3://{BUCKET}/once", endpoint_url=s3.endpoint)  # the next build
    later = count_puts(second)
    assert second.url_for(path, digest).split("?")[0] == url.split("?")[0]
    assert (len(puts), len(later), first.uploads, second.uploads) == (1, 0, 1, 0)
    assert httpx.get(url).content == b"RIFF-once"


def test_different_bytes_are_different_objects(s3: S3, tmp_path: Path) -> None:
    a, a_digest = media(tmp_path, "a.mp4", b"first video")
    b, b_digest = media(tmp_path, "b.mp4", b"second video")
    stager = Stager(f"s3://{BUCKET}/diff", endpoint_url=s3.endpoint)
    urls = [stager.url_for(a, a_digest), stager.url_for(b, b_digest)]
    assert [httpx.get(u).content for u in urls] == [b"first video", b"second video"]
    listed = s3.client.list_objects_v2(Bucket=BUCKET, Prefix="diff/")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted([f"diff/{a_digest}.mp4", f"diff/{b_digest}.mp4"])
    assert stager.uploads == 2


def test_eight_threads_one_put(s3: S3, tmp_path: Path) -> None:
    path, digest = media(tmp_path, "shared.png", b"used by every shot" * 1000)
    stager = Stager(f"s3://{BUCKET}/threads", endpoint_url=s3.endpoint)
    puts = count_puts(stager)
    start = threading.Barrier(8)
    urls: list[str] = []

    def stage() -> None:
        start.wait()
        urls.append(stager.url_for(path, digest))

    threads = [threading.Thread(target=stage) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(urls) == 8 and len({u.split("?")[0] for u in urls}) == 1
    assert len(puts) == 1 and stager.uploads == 1


@pytest.mark.parametrize(
    ("url", "prefix", "described"),
    [
        (f"s3://{BUCKET}", "", f"s3://{BUCKET}"),
        (f"s3://{BUCKET}/", "", f"s3://{BUCKET}"),
        (f"s3://{BUCKET}/a/b/", "a/b/", f"s3://{BUCKET}/a/b"),
        (f"s3://{BUCKET}//a//b", "a/b/", f"s3://{BUCKET}/a/b"),
    ],
)
def test_prefix(s3: S3, tmp_path: Path, url: str, prefix: str, described: str) -> None:
    path, digest = media(tmp_path, "clip.MP3", f"prefix {url}".encode())
    stager = Stager(url, endpoint_url=s3.endpoint)
    assert stager.describe() == described
    stager.url_for(path, digest)
    s3.client.head_object(Bucket=BUCKET, Key=f"{prefix}{digest}.mp3")  # raises if the key is not exactly that


@pytest.mark.parametrize("url", ["https://bucket/x", "bucket/x", "s3://", "s3:///x", "S3:/bucket", "s3://b?x=1"])
def test_bad_url_names_the_variable(url: str) -> None:
    with pytest.raises(StagingError, match="STORYBOARD_UPLOAD_URL.*s3://bucket/prefix"):
        Stager(url)


def test_bad_url_does_not_echo_credentials() -> None:
    with pytest.raises(StagingError) as info:
        Stager(f"https://AKIDEXAMPLE:{SECRET}@host/bucket")
    assert SECRET not in str(info.value) and "AKIDEXAMPLE" not in str(info.value)


def test_from_env(s3: S3) -> None:
    assert stager_from_env({}) is None
    assert stager_from_env({"STORYBOARD_UPLOAD_URL": "  "}) is None
    stager = stager_from_env(
        {
            "STORYBOARD_UPLOAD_URL": f"s3://{BUCKET}/env",
            "STORYBOARD_UPLOAD_ENDPOINT": s3.endpoint,
            "STORYBOARD_UPLOAD_EXPIRES": "604800",
        }
    )
    assert stager is not None and stager.describe() == f"s3://{BUCKET}/env"
    with pytest.raises(StagingError, match="STORYBOARD_UPLOAD_URL"):
        stager_from_env({"STORYBOARD_UPLOAD_URL": "gs://bucket/prefix"})


@pytest.mark.parametrize("expires", ["0", "-5", "604801", "1.5", "a day"])
def test_from_env_expires_out_of_range(expires: str) -> None:
    with pytest.raises(StagingError, match="STORYBOARD_UPLOAD_EXPIRES.*604800"):
        stager_from_env({"STORYBOARD_UPLOAD_URL": "s3://bucket", "STORYBOARD_UPLOAD_EXPIRES": expires})


def test_boto3_endpoint_variable_gets_path_style(s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://localhost:{s3.port}")
    path, digest = media(tmp_path, "x.jpg", b"jpeg-ish")
    stager = stager_from_env({"STORYBOARD_UPLOAD_URL": f"s3://{BUCKET}/aws-env"})
    assert stager is not None
    url = stager.url_for(path, digest)
    assert url.startswith(f"http://localhost:{s3.port}/{BUCKET}/aws-env/")
    assert httpx.get(url).content == b"jpeg-ish"


def test_missing_bucket_names_it_and_not_the_secret(s3: S3, tmp_path: Path) -> None:
    path, digest = media(tmp_path, "a.png", b"nowhere to go")
    with pytest.raises(StagingError) as info:
        Stager("s3://no-such-bucket-here/p", endpoint_url=s3.endpoint).url_for(path, digest)
    message = str(info.value)
    assert "no-such-bucket-here" in message and "create it" in message and "a.png" in message
    assert SECRET not in message


@pytest.fixture
def enforce(s3: S3) -> Iterator[Callable[[], None]]:
    """Call it to make moto check keys and IAM policies, until the test ends."""

    def on() -> None:
        httpx.post(f"{s3.endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()

    try:
        yield on
    finally:
        httpx.post(f"{s3.endpoint}/moto-api/reset-auth", content=b"inf").raise_for_status()


def test_refused_key(s3: S3, tmp_path: Path, enforce: Callable[[], None]) -> None:
    path, digest = media(tmp_path, "a.png", b"refused")
    enforce()  # "testing" is no IAM user's key
    with pytest.raises(StagingError, match="credentials were refused.*AWS_SECRET_ACCESS_KEY") as info:
        Stager(f"s3://{BUCKET}/denied", endpoint_url=s3.endpoint).url_for(path, digest)
    assert SECRET not in str(info.value) and "testing" not in str(info.value)


def test_access_denied(s3: S3, tmp_path: Path, enforce: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    read_only = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    iam = boto3.client("iam", endpoint_url=s3.endpoint)
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=read_only)
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    enforce()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    path, digest = media(tmp_path, "a.png", b"not allowed")
    with pytest.raises(StagingError, match=f"access denied.*s3:PutObject.*s3://{BUCKET}/denied") as info:
        Stager(f"s3://{BUCKET}/denied", endpoint_url=s3.endpoint).url_for(path, digest)
    assert key["SecretAccessKey"] not in str(info.value) and key["AccessKeyId"] not in str(info.value)


def test_no_credentials(s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    path, digest = media(tmp_path, "a.png", b"anonymous")
    with pytest.raises(StagingError, match=f"s3://{BUCKET}.*no AWS credentials.*AWS_ACCESS_KEY_ID"):
        Stager(f"s3://{BUCKET}", endpoint_url=s3.endpoint).url_for(path, digest)


def test_unreachable_endpoint(s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # standard retries would back off for seconds
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    path, digest = media(tmp_path, "a.png", b"unsent")
    with pytest.raises(StagingError, match="cannot reach .*STORYBOARD_UPLOAD_ENDPOINT"):
        Stager(f"s3://{BUCKET}", endpoint_url=closed).url_for(path, digest)


def test_unreadable_file(s3: S3, tmp_path: Path) -> None:
    with pytest.raises(StagingError, match="cannot read .*gone.png"):
        Stager(f"s3://{BUCKET}", endpoint_url=s3.endpoint).url_for(tmp_path / "gone.png", "0" * 64)


def test_boto3_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(StagingError, match=r"pip install 'storyboard\[s3\]'"):
        Stager("s3://bucket/prefix")
    with pytest.raises(StagingError, match="boto3"):
        stager_from_env({"STORYBOARD_UPLOAD_URL": "s3://bucket"})


def test_importing_the_module_does_not_import_boto3() -> None:
    code = (
        "import sys, storyboard.run.hosted.stage, storyboard.store.bucket; "
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_bad_endpoint_names_the_variable(s3: S3) -> None:
    with pytest.raises(StagingError, match="STORYBOARD_UPLOAD_ENDPOINT"):
        stager_from_env({"STORYBOARD_UPLOAD_URL": f"s3://{BUCKET}", "STORYBOARD_UPLOAD_ENDPOINT": "not a url"})


def test_staging_hashes_through_the_stores_cache(tmp_path: Path) -> None:
    """A staged file's hash is the store's cached one (the plan's hasher), not a second reading."""
    import asyncio
    import os

    from storyboard.compile.request import MediaRef
    from storyboard.run.hosted import adapters
    from storyboard.run.hosted.media import Media
    from storyboard.run.job import Job
    from storyboard.store import Store
    from tests.test_adapters import request

    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG not really")
    staged: list[tuple[Path, str]] = []

    class Recorder:
        def url_for(self, path: Path, sha256: str) -> str:
            staged.append((path, sha256))
            return f"https://bucket.test/{sha256}.png"

    with Store(tmp_path, create=True) as store:
        st = os.stat(image)
        store.remember_hash(os.fspath(image), st.st_size, st.st_mtime_ns, st.st_ino, "c0ffee" * 10 + "abcd")
        wavespeed = adapters()["wavespeed"]  # takes images only as URLs
        media = Media(wavespeed, store, Recorder())  # type: ignore[arg-type]
        job = Job("one", "k1", request(first_frame=MediaRef(file="a.png"), mode="i2v"), {"a.png": image})
        resolved = asyncio.run(media.resolve(job))
    assert staged == [(image, "c0ffee" * 10 + "abcd")]  # the cached digest: the file was not hashed again
    assert list(resolved.values()) == ["https://bucket.test/" + "c0ffee" * 10 + "abcd.png"]


def test_the_bucket_alone_puts_heads_and_presigns(s3: S3, tmp_path: Path) -> None:
    """storyboard.store.bucket is usable without the staging policy (a remote clip store's next user)."""
    bucket = Bucket(f"s3://{BUCKET}/clips//store/", endpoint_url=s3.endpoint)
    assert bucket.describe() == f"s3://{BUCKET}/clips/store" and bucket.key("ab.mp4") == "clips/store/ab.mp4"
    source = tmp_path / "x.mp4"
    source.write_bytes(b"not a video, but bytes")
    assert not bucket.exists("clips/store/ab.mp4")
    bucket.put(source, "clips/store/ab.mp4")
    assert bucket.exists("clips/store/ab.mp4")
    got = httpx.get(bucket.presign("clips/store/ab.mp4", 60, "x.mp4"))
    assert got.content == source.read_bytes() and got.headers["content-type"] == "video/mp4"


def test_no_s3_client_is_built_until_something_is_uploaded(
    s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a client costs botocore's whole service model: plan, and builds that stage nothing, never pay it
    made: list[str] = []
    real = boto3.session.Session.client

    def counting(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        made.append(args[0] if args else kwargs["service_name"])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", counting)
    stager = stager_from_env(
        {"STORYBOARD_UPLOAD_URL": f"s3://{BUCKET}/lazy", "STORYBOARD_UPLOAD_ENDPOINT": s3.endpoint}
    )
    assert stager is not None and made == []
    path, digest = media(tmp_path, "lazy.png", b"png-ish")
    first = stager.url_for(path, digest)
    assert made == ["s3"]
    assert httpx.get(first).content == b"png-ish"
    stager.url_for(path, digest)
    assert made == ["s3"]  # one client for the stager's life


def test_a_malformed_region_is_refused_before_any_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "not a region!")
    with pytest.raises(StagingError, match="cannot set up S3.*STORYBOARD_UPLOAD_ENDPOINT"):
        stager_from_env({"STORYBOARD_UPLOAD_URL": f"s3://{BUCKET}"})
