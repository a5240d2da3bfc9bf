"""The one registry of provider ids, imported by everything that lists them.

It imports nothing, so a command's ``--help`` can offer the choices without loading the
model (pydantic) or the adapters (httpx). The language model, the capability profiles,
the hosted adapters and the CLI read it; ``tests/test_providers.py`` checks they agree.
"""

from __future__ import annotations

from typing import Literal

LOCAL = "local"
HOSTED = ("wavespeed", "eachlabs", "runware", "qingbo", "apimart")
PROVIDERS = (LOCAL, *HOSTED)
Provider = Literal["local", "wavespeed", "eachlabs", "runware", "qingbo", "apimart"]  # PROVIDERS, for the type checker
