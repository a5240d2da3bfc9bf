"""Fakes of the five hosted SkyReels V4 APIs, written from their pages.

In process: ``PROVIDERS["wavespeed"](min_polls=1)`` is a fake with an https base URL of its
own; hand storyboard's hosted clients ``tests.fakes.net.FakeNet(fake)`` as their transport
(the ``fake_net`` and ``hosted`` fixtures do). Over a socket: ``start_fake("wavespeed")``
also serves it on 127.0.0.1 and returns the running :class:`FakeServer`, its ``base_url``
the plain loopback URL, for clients that cannot take a transport (the vendors' SDKs).
"""

from __future__ import annotations

from typing import Any

from .apimart import ApimartFake
from .eachlabs import EachlabsFake
from .qingbo import QingboFake
from .runware import RunwareFake
from .server import ClipSpec, FakeServer, Fault, Hold, Job, SubmitRecord
from .wavespeed import WavespeedFake

PROVIDERS: dict[str, type[FakeServer]] = {
    cls.provider: cls for cls in (WavespeedFake, EachlabsFake, RunwareFake, QingboFake, ApimartFake)
}


def start_fake(provider_id: str, **options: Any) -> FakeServer:
    """Start the fake of ``provider_id`` on a loopback socket (options: see FakeServer and the provider class)."""
    try:
        cls = PROVIDERS[provider_id]
    except KeyError:
        raise ValueError(f"no fake for provider {provider_id!r}; one of {', '.join(PROVIDERS)}") from None
    return cls(**options).start()


__all__ = ["PROVIDERS", "ClipSpec", "FakeServer", "Fault", "Hold", "Job", "SubmitRecord", "start_fake"]
