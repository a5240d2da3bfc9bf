"""``python -m tests.fakes.launch build ...``: the storyboard CLI in a process of its own, its hosted
clients reaching the loopback fakes named in ``STORYBOARD_TEST_FAKE_SOCKETS``.

For the tests that need another process (kill -9 between request and answer, Ctrl-C, two
builds at once). The transport is injected as a test injects it in process: storyboard itself
has no loopback exception and no test switch.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from httpx import AsyncBaseTransport

import storyboard.run.hosted as hosted
from storyboard.cli.main import main
from storyboard.run.hosted.client import HostedProvider
from storyboard.store import Store

from .net import ROUTES_VAR, Loopback, decode_routes

_ROUTES = decode_routes(os.environ.get(ROUTES_VAR, ""))
_original = hosted.hosted_providers


def _through_loopback(
    ids: set[str], store: Store, environ: Mapping[str, str] | None = None, transport: AsyncBaseTransport | None = None
) -> dict[str, HostedProvider]:
    return _original(ids, store, environ, transport if transport is not None else Loopback(_ROUTES))


if __name__ == "__main__":
    hosted.hosted_providers = _through_loopback  # type: ignore[assignment]
    sys.argv[0] = "storyboard"
    main()
