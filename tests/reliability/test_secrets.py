"""Secrets stay out of logs and output."""

from __future__ import annotations

import logging
import subprocess
from urllib.parse import unquote, urlsplit

from mediamon.pipeline.cycle import run_cycle
from mediamon.settings import PROJECT_ROOT
from support import feeds_file, with_site


def test_a_cycle_logs_nothing_of_the_database_password(clean_stack, newsroom, tmp_path, caplog):
    password = unquote(urlsplit(clean_stack.database_url).password or "")
    assert password
    caplog.set_level(logging.DEBUG)
    run_cycle(with_site(clean_stack, newsroom), feeds_file(tmp_path, newsroom), poll_all=True)
    assert caplog.records and password not in caplog.text


def test_stack_status_shows_the_database_without_its_password(clean_stack):
    password = unquote(urlsplit(clean_stack.database_url).password or "")
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "mediamon"), "stack", "status"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "300"},
    )
    assert "postgresql://" in result.stdout and password not in result.stdout + result.stderr
