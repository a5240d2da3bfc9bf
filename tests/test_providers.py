"""The one provider registry (storyboard/providers.py) and every view of it agree; --help stays light."""

from __future__ import annotations

import subprocess
import sys
from typing import get_args

import pytest

from storyboard.compile.profiles import PROFILES
from storyboard.load.model import Settings
from storyboard.providers import HOSTED, LOCAL, PROVIDERS, Provider
from storyboard.run.hosted import adapters


def test_every_view_of_the_provider_registry_agrees() -> None:
    assert PROVIDERS == (LOCAL, *HOSTED) and get_args(Provider) == PROVIDERS
    assert set(PROFILES) == set(PROVIDERS)  # a capability profile for each
    assert set(adapters()) == set(HOSTED)  # an adapter for each hosted one
    schema = Settings.model_json_schema()["properties"]["provider"]
    assert set(PROVIDERS) <= {v for option in schema.get("anyOf", [schema]) for v in option.get("enum", [])}


@pytest.mark.slow
def test_help_imports_neither_the_model_nor_the_network_stack() -> None:
    probe = (
        "import sys, io, contextlib\n"
        "from storyboard.cli.main import main\n"
        "for args in (['--help'], ['build', '--help'], ['plan', '--help'], ['check', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try: main(args)\n"
        "        except SystemExit: pass\n"
        "heavy = ('pydantic', 'httpx', 'networkx', 'ffmpeg', 'av', 'jinja2', 'yaml')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
