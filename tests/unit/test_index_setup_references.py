"""The set-up command is `mediamon index setup`; `mediamon search` is the search itself.

A script or document still saying `search setup` would search for the word "setup" and
set nothing up, so none is left in what users and compose run or read.
"""

from __future__ import annotations

import pytest

from mediamon.settings import PROJECT_ROOT

READ_OR_RUN = [
    "README.md",
    "Makefile",
    "Dockerfile",
    "docker-compose.yml",
    ".env.example",
    *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "docker").iterdir()),
    *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "doc").glob("*.md")),
    *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / ".ci").glob("*")),
]


@pytest.mark.parametrize("name", READ_OR_RUN)
def test_no_file_users_read_or_run_names_the_old_set_up_command(name):
    path = PROJECT_ROOT / name
    assert "search setup" not in path.read_text(encoding="utf-8", errors="replace")


def test_the_compose_set_up_script_runs_index_setup():
    assert (
        "exec mediamon index setup" in (PROJECT_ROOT / "docker" / "mediamon-setup.sh").read_text()
    )
