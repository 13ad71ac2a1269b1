"""docker-compose.yml: valid Compose, loopback-only ports, one Elastic version, README in step."""

from __future__ import annotations

import json
import re
from importlib import resources

import jsonschema
import yaml

from mediamon.settings import PROJECT_ROOT

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
# The Compose Specification's schema as check-jsonschema vendors it (a maintained copy).
SCHEMA = json.loads(
    (
        resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    ).read_text()
)
README = (PROJECT_ROOT / "README.md").read_text()
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}


def _default(value: str) -> str:
    """`${VAR:-default}` resolved to its default, as compose does with VAR unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_compose_file_validates_against_the_compose_specification():
    jsonschema.Draft7Validator(SCHEMA).validate(COMPOSE)


def test_the_official_airflow_3_services_and_the_elastic_stack_are_there():
    assert AIRFLOW_SERVICES | {"postgres", "elasticsearch", "kibana", "mediamon-setup"} <= set(
        COMPOSE["services"]
    )


def test_celery_profile_brings_redis_and_workers():
    assert COMPOSE["services"]["redis"]["profiles"] == ["celery"]
    assert COMPOSE["services"]["airflow-worker"]["profiles"] == ["celery"]


def test_every_published_port_is_bound_to_loopback():
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_elasticsearch_and_kibana_run_the_same_version():
    es = _default(COMPOSE["services"]["elasticsearch"]["image"]).rsplit(":", 1)[1]
    kibana = _default(COMPOSE["services"]["kibana"]["image"]).rsplit(":", 1)[1]
    assert es == kibana and es.startswith("8.")


def test_elasticsearch_has_heap_and_memory_limits_and_a_health_check():
    es = COMPOSE["services"]["elasticsearch"]
    assert "-Xmx1g" in es["environment"]["ES_JAVA_OPTS"] and es["mem_limit"]
    assert es["healthcheck"]["test"]


def test_every_service_the_readme_names_exists():
    compose_section = README.split("## Full stack with Docker", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z][a-z0-9-]+)` service", compose_section))
    assert named, "the README's compose section names its services as `name` service"
    assert named <= set(COMPOSE["services"])


def test_the_image_is_built_from_airflow_3_3():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.\d+", dockerfile, re.MULTILINE)
