"""docker-compose.yml, read as an operator's `docker compose up` would use it.

Each test states one property of the stack that a broken compose file silently loses: a
shared Airflow JWT secret, the order Elasticsearch security needs, loopback-only ports, ...
"""

from __future__ import annotations

import json
import re
from importlib import resources
from urllib.parse import urlsplit

import jsonschema
import yaml

from mediamon.settings import PROJECT_ROOT

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
# The Compose Specification's schema as check-jsonschema vendors it (a maintained copy).
SCHEMA = json.loads(
    (
        resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    ).read_text()
)
README = (PROJECT_ROOT / "README.md").read_text()
ENV_EXAMPLE = (PROJECT_ROOT / ".env.example").read_text()
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
# Every container built from the Dockerfile (Airflow with mediamon): they share one env block.
IMAGE_SERVICES = {name for name, service in SERVICES.items() if "build" in service}
# One-shot steps run to completion ("no" restart); everything else runs for good.
ONE_SHOT = {name for name, service in SERVICES.items() if service.get("restart") == "no"}
LONG_RUNNING = set(SERVICES) - ONE_SHOT


def _default(value: str) -> str:
    """`value` as compose resolves it with every variable unset: ${VAR:-default} gives the
    default, ${VAR:+alternative} gives nothing."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{[A-Z_]+:\+[^}]*\}", "", value)


def _environment(name: str) -> dict[str, str]:
    return {key: str(value) for key, value in SERVICES[name].get("environment", {}).items()}


def _depends_on(name: str) -> dict[str, dict]:
    return SERVICES[name].get("depends_on", {})


def _all_dependencies(name: str) -> set[str]:
    """Every service `name` waits for, directly or through another service."""
    found: set[str] = set()
    pending = [name]
    while pending:
        for dependency in _depends_on(pending.pop()):
            if dependency not in found:
                found.add(dependency)
                pending.append(dependency)
    return found


def _steps(name: str) -> str:
    """What a service runs: its entrypoint and command, and the docker/ scripts they name."""
    service = SERVICES[name]
    text = json.dumps([service.get("entrypoint"), service.get("command")])
    mounts = json.dumps(service.get("volumes", []))
    for script in sorted(set(re.findall(r"docker/[\w.-]+\.sh", text + mounts))):
        text += "\n" + (PROJECT_ROOT / script).read_text()
    return text


def _services_running(step: str) -> set[str]:
    return {name for name in SERVICES if step in _steps(name)}


def _published_ports(name: str) -> list[str]:
    return [str(port) for port in SERVICES[name].get("ports", [])]


# -- the file as a whole ----------------------------------------------------------------
def test_compose_file_validates_against_the_compose_specification():
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(COMPOSE)


def test_the_official_airflow_3_services_and_the_elastic_stack_are_there():
    assert AIRFLOW_SERVICES | {"postgres", "elasticsearch", "kibana", "mediamon-setup"} <= set(
        SERVICES
    )


def test_every_long_running_service_has_a_health_check():
    for name in LONG_RUNNING:
        assert SERVICES[name].get("healthcheck", {}).get("test"), name


def test_every_dependency_waits_for_a_condition_that_fits_the_service():
    """A one-shot step must have finished successfully; a server must be healthy."""
    for name in SERVICES:
        for dependency, spec in _depends_on(name).items():
            expected = (
                "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            )
            assert spec.get("condition") == expected, (name, dependency, spec)


def test_one_shot_steps_are_never_restarted_and_servers_always_are():
    assert {"airflow-init", "mediamon-setup"} <= ONE_SHOT
    for name in LONG_RUNNING:
        assert SERVICES[name].get("restart") == "always", name


# -- ports ------------------------------------------------------------------------------
def test_every_published_port_is_bound_to_loopback():
    for name in SERVICES:
        for port in _published_ports(name):
            assert port.split(":", 1)[0] == "127.0.0.1", (name, port)


def test_postgresql_is_not_published_on_the_host():
    """A host PostgreSQL already owns 5432; operators reach this one with `docker compose exec`."""
    assert not _published_ports("postgres")


# -- Airflow: one identity for every container ------------------------------------------
def test_every_airflow_container_shares_one_jwt_secret_from_the_env_file():
    """Without one secret each container invents its own and task tokens fail
    ("Invalid auth token", apache/airflow#49646); compose refuses to start without it."""
    secrets = {_environment(name).get("AIRFLOW__API_AUTH__JWT_SECRET") for name in IMAGE_SERVICES}
    assert len(secrets) == 1
    (secret,) = secrets
    assert secret is not None and re.fullmatch(r"\$\{AIRFLOW_JWT_SECRET:\?[^}]+\}", secret), secret


def test_the_env_example_leaves_the_jwt_secret_empty_and_says_how_to_generate_it():
    lines = ENV_EXAMPLE.splitlines()
    index = lines.index("AIRFLOW_JWT_SECRET=")
    comment = "\n".join(line for line in lines[max(0, index - 4) : index] if line.startswith("#"))
    assert re.search(r"openssl rand|secrets\.token", comment), comment


def test_tasks_reach_the_execution_api_of_the_api_server():
    urls = {
        _environment(name).get("AIRFLOW__CORE__EXECUTION_API_SERVER_URL") for name in IMAGE_SERVICES
    }
    assert len(urls) == 1
    url = urlsplit(urls.pop() or "")
    assert url.hostname in SERVICES and SERVICES[url.hostname]["command"] == "api-server"
    assert f":{url.port}/" in json.dumps(SERVICES[url.hostname]["healthcheck"]["test"])
    assert url.path == "/execution/"


def test_every_airflow_container_reads_one_config_file_that_airflow_init_writes():
    configs = {_environment(name).get("AIRFLOW_CONFIG") for name in IMAGE_SERVICES}
    assert len(configs) == 1
    (config,) = configs
    assert config and config.endswith("/airflow.cfg")
    directory = config.rsplit("/", 1)[0]
    for name in IMAGE_SERVICES:
        mounts = [str(volume).split(":") for volume in SERVICES[name].get("volumes", [])]
        named = [source for source, target, *_ in mounts if target == directory]
        assert named and named[0] in COMPOSE["volumes"], (name, mounts)
    assert "airflow config list" in _steps("airflow-init")


def test_the_image_makes_the_shared_config_directory_writable_by_group_0():
    """A new named volume takes the image directory's owner and mode; any AIRFLOW_UID runs in group 0."""
    config = _environment("airflow-scheduler")["AIRFLOW_CONFIG"].rsplit("/", 1)[0]
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(rf"install -d -o airflow -g (root|0) -m [0-7]?77[0-7] {config}\b", dockerfile)


def test_every_airflow_container_runs_as_the_airflow_uid_in_group_0():
    for name in IMAGE_SERVICES:
        assert SERVICES[name].get("user") == "${AIRFLOW_UID:-50000}:0", name


def test_airflow_init_runs_its_steps_through_the_image_entrypoint():
    """As upstream: bash, then /entrypoint (database wait, arbitrary-UID set-up, umask)."""
    init = SERVICES["airflow-init"]
    assert init["entrypoint"] == "/bin/bash"
    assert re.search(r"^\s*exec /entrypoint bash", "\n".join(init["command"]), re.MULTILINE)
    for step in ("airflow db migrate", "airflow pools set mediamon_fetch", "mediamon db upgrade"):
        assert step in _steps("airflow-init"), step


# -- the mediamon CLI inside the containers ---------------------------------------------
def test_the_mediamon_cli_in_every_airflow_container_finds_postgresql_and_elasticsearch():
    """`docker compose exec airflow-scheduler mediamon ...` reads MEDIAMON_*, not Airflow
    connections: both must name the same services."""
    for name in IMAGE_SERVICES:
        env = _environment(name)
        assert env.get("MEDIAMON_DATABASE_URL") == env["AIRFLOW_CONN_MEDIAMON_DB"], name
        assert env.get("MEDIAMON_ELASTICSEARCH_URL") == env["AIRFLOW_CONN_MEDIAMON_ES"], name


def test_the_mediamon_database_url_names_the_database_postgres_init_creates():
    url = urlsplit(_environment("airflow-scheduler")["MEDIAMON_DATABASE_URL"])
    init_sql = (PROJECT_ROOT / "docker" / "postgres-init.sql").read_text()
    assert url.hostname == "postgres"
    assert f"CREATE ROLE {url.username} LOGIN PASSWORD '{url.password}'" in init_sql
    assert f"CREATE DATABASE {url.path.lstrip('/')} OWNER {url.username}" in init_sql


def test_the_elasticsearch_url_names_the_elasticsearch_service():
    url = urlsplit(_default(_environment("airflow-scheduler")["MEDIAMON_ELASTICSEARCH_URL"]))
    assert url.hostname == "elasticsearch" and url.port == 9200


# -- Elasticsearch security: passwords before Kibana, saved objects after ----------------
def test_the_kibana_system_password_is_set_by_one_step_that_does_not_wait_for_kibana():
    """Kibana logs in as kibana_system: waiting for a healthy Kibana before setting that
    password is a deadlock."""
    setters = _services_running("/_security/user/kibana_system/_password")
    assert len(setters) == 1, setters
    (setter,) = setters
    assert setter in ONE_SHOT
    assert "kibana" not in _all_dependencies(setter)
    assert _depends_on(setter).get("elasticsearch", {}).get("condition") == "service_healthy"


def test_kibana_starts_only_after_its_password_is_set():
    (setter,) = _services_running("/_security/user/kibana_system/_password")
    assert _depends_on("kibana")[setter]["condition"] == "service_completed_successfully"


def test_kibana_logs_in_with_the_password_the_set_up_step_sets():
    (setter,) = _services_running("/_security/user/kibana_system/_password")
    kibana = _environment("kibana")
    assert kibana["ELASTICSEARCH_PASSWORD"] == _environment(setter)["KIBANA_PASSWORD"]
    assert "kibana_system" in kibana["ELASTICSEARCH_USERNAME"]


def test_saved_objects_are_imported_once_kibana_is_healthy():
    importers = _services_running("mediamon index setup")
    assert importers == {"mediamon-setup"}
    assert _depends_on("mediamon-setup")["kibana"]["condition"] == "service_healthy"


# -- Elasticsearch and Kibana -----------------------------------------------------------
def test_elasticsearch_and_kibana_run_the_same_version():
    es = _default(SERVICES["elasticsearch"]["image"]).rsplit(":", 1)[1]
    kibana = _default(SERVICES["kibana"]["image"]).rsplit(":", 1)[1]
    assert es == kibana and es.startswith("8.")


def test_elasticsearch_has_heap_and_memory_limits_and_a_health_check():
    es = SERVICES["elasticsearch"]
    assert "-Xmx1g" in es["environment"]["ES_JAVA_OPTS"] and es["mem_limit"]
    assert es["healthcheck"]["test"]


# -- CeleryExecutor (profile "celery") ----------------------------------------------------
def test_celery_profile_brings_redis_and_workers():
    assert SERVICES["redis"]["profiles"] == ["celery"]
    assert SERVICES["airflow-worker"]["profiles"] == ["celery"]


def test_celery_workers_run_with_the_same_settings_as_the_scheduler():
    worker = _environment("airflow-worker")
    worker.pop("DUMB_INIT_SETSID")  # warm shutdown of workers (Airflow's docker-stack docs)
    assert worker == _environment("airflow-scheduler")
    assert SERVICES["airflow-worker"]["command"] == "celery worker"


def test_the_celery_broker_is_the_redis_service_and_results_go_to_postgres():
    env = _environment("airflow-scheduler")
    assert urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]).hostname == "redis"
    assert urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"]).hostname == "postgres"
    assert SERVICES["redis"]["healthcheck"]["test"]


def test_celery_workers_wait_for_redis_the_database_and_the_api_server():
    assert {"redis", "postgres", "airflow-apiserver", "airflow-init"} <= set(
        _depends_on("airflow-worker")
    )


def test_flower_is_optional_and_watches_the_same_broker():
    flower = SERVICES["flower"]
    assert flower["profiles"] == ["flower"] and flower["command"] == "celery flower"
    assert _environment("flower") == _environment("airflow-scheduler")
    assert "redis" in _depends_on("flower")


# -- documentation and image ------------------------------------------------------------
def test_every_service_the_readme_names_exists():
    compose_section = README.split("## Full stack with Docker", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z][a-z0-9-]+)` service", compose_section))
    assert named, "the README's compose section names its services as `name` service"
    assert named <= set(SERVICES)


def test_the_image_is_built_from_airflow_3_3():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.\d+", dockerfile, re.MULTILINE)
