"""hosted: the five SkyReels V4 APIs, each one adapter module behind :class:`.api.Adapter`.

Importing this package costs httpx, tenacity and aiolimiter; only a build that sends
something to a provider does it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .api import Adapter

if TYPE_CHECKING:
    from httpx import AsyncBaseTransport

    from ...store import Store
    from .client import HostedProvider
    from .settings import Settings
    from .stage import Stager


def adapters() -> dict[str, Adapter]:
    """Every hosted adapter by id, imported only when asked (each module costs its parsing)."""
    from .apimart import Apimart
    from .eachlabs import Eachlabs
    from .qingbo import Qingbo
    from .runware import Runware
    from .wavespeed import WaveSpeed

    return {a.id: a for a in (WaveSpeed(), Eachlabs(), Runware(), Qingbo(), Apimart())}


def settings_for(ids: set[str], environ: Mapping[str, str] | None = None) -> dict[str, Settings]:
    """Each provider's key, base URL and limits; every missing key or bad setting named at once."""
    return _configure(ids, environ)[0]


def hosted_providers(
    ids: set[str],
    store: Store,
    environ: Mapping[str, str] | None = None,
    transport: AsyncBaseTransport | None = None,
) -> dict[str, HostedProvider]:
    """Ready clients for the providers a build will use; ``transport`` replaces the network (tests)."""
    from .client import HostedProvider

    settings, stager = _configure(ids, environ)
    known = adapters()
    return {pid: HostedProvider(known[pid], store, settings[pid], stager, transport) for pid in sorted(ids)}


def _configure(ids: set[str], environ: Mapping[str, str] | None) -> tuple[dict[str, Settings], Stager | None]:
    """Read every provider's settings and the upload bucket once; raise BuildError naming every problem."""
    from ...errors import BuildError
    from .settings import Settings
    from .stage import stager_from_env

    environ = os.environ if environ is None else environ
    known = adapters()
    settings: dict[str, Settings] = {}
    problems: list[str] = []
    for pid in sorted(ids):
        try:
            settings[pid] = Settings.from_env(known[pid], environ)
        except BuildError as exc:
            problems.append(str(exc))
    if problems:
        raise BuildError("; ".join(problems))
    # a malformed upload setting is found here, before anything is sent
    return settings, stager_from_env(environ) if ids else None
