"""Transports that take storyboard's hosted clients to the fakes, without a production exception.

The hosted client accepts https base URLs only. Every fake has an https host of its own
(``https://<provider>-<n>.test``); these transports are where that host leads:

* :class:`FakeNet` runs the fakes in process (``FakeServer.handle``): no socket, no server
  thread per connection. Anything else is refused: tests touch no internet.
* :class:`Loopback` is httpx's own transport with each fake's host rewritten to its loopback
  socket (``FakeServer.start``), for a build in another process (kill -9, two builds at once).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import httpx

from .server import FakeServer


class FakeNet(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Routes each request by host to an in-process fake; for sync and async clients alike."""

    def __init__(self, *fakes: FakeServer) -> None:
        self._fakes = {fake.host: fake for fake in fakes}

    def add(self, fake: FakeServer) -> None:
        self._fakes[fake.host] = fake

    def _fake(self, request: httpx.Request) -> FakeServer:
        fake = self._fakes.get(request.url.host)
        if fake is None:
            raise httpx.ConnectError(
                f"no fake answers at {request.url.host} (tests touch no internet)", request=request
            )
        return fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._fake(request).handle(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fake = self._fake(request)
        await request.aread()
        # in a thread: a held answer (FakeServer.hold) must not stall the build's event loop
        return await asyncio.to_thread(fake.handle, request)


class Loopback(httpx.AsyncBaseTransport):
    """``https://<fake host>/...`` sent as ``http://127.0.0.1:<port>/...`` to the fake's socket."""

    def __init__(self, routes: Mapping[str, str]) -> None:
        """``routes``: fake host -> its ``socket_url``."""
        self._routes = {host: httpx.URL(url) for host, url in routes.items()}
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self._routes.get(request.url.host)
        if target is None:
            raise httpx.ConnectError(
                f"no fake answers at {request.url.host} (tests touch no internet)", request=request
            )
        request.url = request.url.copy_with(scheme="http", host=target.host, port=target.port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


ROUTES_VAR = "STORYBOARD_TEST_FAKE_SOCKETS"  # read by tests.fakes.launch only, never by storyboard


def encode_routes(fakes: list[FakeServer]) -> str:
    """``host=socket_url,...`` for :data:`ROUTES_VAR`: how a build in another process finds the fakes."""
    return ",".join(f"{fake.host}={fake.socket_url}" for fake in fakes)


def decode_routes(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(",") if pair)
