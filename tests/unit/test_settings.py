"""Configuration: one reader of the environment, every variable documented."""

from __future__ import annotations

import re
import subprocess

import pytest

from mediamon.settings import PROJECT_ROOT, ConfigError, load

SETTINGS_SOURCE = (PROJECT_ROOT / "plugins" / "mediamon" / "settings.py").read_text()
ENV_EXAMPLE = (PROJECT_ROOT / ".env.example").read_text()


def test_every_variable_settings_reads_is_documented_in_env_example():
    read = set(re.findall(r'"(MEDIAMON_[A-Z_]+)"', SETTINGS_SOURCE))
    documented = set(re.findall(r"^(MEDIAMON_[A-Z_]+)=", ENV_EXAMPLE, re.MULTILINE))
    assert read and read <= documented, sorted(read - documented)


def test_only_the_settings_module_reads_the_environment():
    result = subprocess.run(
        ["grep", "-rlE", "--include=*.py", r"os\.environ|os\.getenv", "plugins/mediamon", "dags"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["plugins/mediamon/settings.py"]


def test_private_networks_are_refused_by_default():
    assert load({}).allow_private_networks is False


def test_explicit_service_urls_win():
    settings = load(
        {
            "MEDIAMON_DATABASE_URL": "postgresql://db/x",
            "MEDIAMON_ELASTICSEARCH_URL": "http://es:9200",
        }
    )
    assert (settings.database_url, settings.elasticsearch_url) == (
        "postgresql://db/x",
        "http://es:9200",
    )


def test_a_malformed_number_is_one_clear_error():
    with pytest.raises(ConfigError, match="MEDIAMON_WORKERS must be a whole number"):
        load({"MEDIAMON_WORKERS": "many"})
