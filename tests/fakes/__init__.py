"""Loopback HTTP fakes of the five hosted SkyReels V4 APIs, written from their pages.

``start_fake("wavespeed", latency=0, min_polls=1)`` starts one on 127.0.0.1 and returns
the running :class:`FakeServer`; point the adapter's ``<ID>_BASE_URL`` at its
``base_url`` and its key variable at its ``key``.
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
    """Start the fake of ``provider_id`` (options: see FakeServer and the provider class)."""
    try:
        cls = PROVIDERS[provider_id]
    except KeyError:
        raise ValueError(f"no fake for provider {provider_id!r}; one of {', '.join(PROVIDERS)}") from None
    return cls(**options).start()


__all__ = ["PROVIDERS", "ClipSpec", "FakeServer", "Fault", "Hold", "Job", "SubmitRecord", "start_fake"]
