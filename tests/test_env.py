"""Every environment variable the package reads is named in storyboard/env.py and documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

from storyboard import env
from storyboard.providers import HOSTED
from storyboard.run.hosted import adapters

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"\bSTORYBOARD_[A-Z_]+\b")


def test_every_storyboard_variable_in_the_code_is_in_the_registry() -> None:
    found = {m for path in (ROOT / "storyboard").rglob("*.py") for m in NAME.findall(path.read_text(encoding="utf-8"))}
    assert found and found <= set(env.VARIABLES), sorted(found - set(env.VARIABLES))


def test_the_readme_documents_every_variable() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in env.VARIABLES if f"`{name.replace('{ID}', '<ID>')}" not in readme]
    assert missing == []


def test_provider_keys_follow_the_pattern() -> None:
    assert {a.id: a.key_env for a in adapters().values()} == {pid: env.for_provider(env.API_KEY, pid) for pid in HOSTED}
