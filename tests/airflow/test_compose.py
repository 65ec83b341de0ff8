"""The production deployment, checked without a Docker engine: docker-compose.yml, Dockerfile, .env.example."""

from __future__ import annotations

import re

import pytest
import yaml
from airflow_harness import REPO

AIRFLOW_SERVICES = ("airflow-init", "api-server", "scheduler", "dag-processor", "triggerer")
COMMANDS = {
    "api-server": ["airflow", "api-server", "--port", "8080"],
    "scheduler": ["airflow", "scheduler"],
    "dag-processor": ["airflow", "dag-processor"],
    "triggerer": ["airflow", "triggerer"],
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def locked_airflow() -> str:
    return re.search(r"^apache-airflow==(\S+)$", (REPO / "requirements.lock").read_text(), re.M).group(1)


def test_every_airflow_service_uses_the_one_image(services):
    assert {(services[s]["image"], services[s]["build"]) for s in AIRFLOW_SERVICES} == {
        (f"pioneer-airflow:{locked_airflow()}", ".")
    }


def test_dockerfile_installs_the_lock_and_the_locked_airflow():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert f"ARG AIRFLOW_VERSION={locked_airflow()}" in dockerfile
    assert "-r requirements.lock" in dockerfile and "-e ." in dockerfile
    assert locked_airflow() == "3.3.2"


def test_services_share_dags_pioneer_settings_and_secrets(services):
    envs = [services[s]["environment"] for s in AIRFLOW_SERVICES]
    assert all(env == envs[0] for env in envs)
    env = envs[0]
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/pioneer/dags"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://api-server:8080/execution/"
    assert {k for k in env if k.startswith("PIONEER_")} == {
        "PIONEER_HOME",
        "PIONEER_SOURCES",
        "PIONEER_PHONE_KEY",
    }
    for secret in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY"):
        assert re.fullmatch(r"\$\{\w+:\?.+\}", env[secret]), f"{secret} must come from .env"
    for s in AIRFLOW_SERVICES:
        mounts = {re.search(r":(/[^:]+)", v).group(1) for v in services[s]["volumes"]}
        assert {"/data/state", "/data/landing", "/opt/airflow/logs"} <= mounts, s


def test_commands_are_airflow_3_subcommands(services):
    for name, command in COMMANDS.items():
        assert services[name]["command"] == command
    init = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in init and "airflow pools import /opt/pioneer/dags/pools.json" in init


def test_health_checks_and_start_order(services):
    for name in ("postgres", *COMMANDS):
        assert services[name]["healthcheck"]["test"], name
    assert services["airflow-init"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in COMMANDS:
        depends = services[name]["depends_on"]
        assert depends["postgres"] == {"condition": "service_healthy"}
        assert depends["airflow-init"] == {"condition": "service_completed_successfully"}
    assert services["scheduler"]["depends_on"]["api-server"] == {"condition": "service_healthy"}


def test_no_secrets_in_the_repo():
    example = (REPO / ".env.example").read_text()
    for key in ("POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "PIONEER_PHONE_KEY"):
        assert re.search(rf"^{key}=$", example, re.M), f"{key} must be empty in .env.example"
    assert ".env" in (REPO / ".dockerignore").read_text().split()
