"""The production stack, checked statically (no Docker engine here): the compose file against
the Compose Specification schema, the Dockerfile with hadolint, and what operators rely on."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a dev dependency (pyproject.toml) and should be installed"
    return found


def test_compose_file_matches_the_compose_specification() -> None:
    run = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                          str(COMPOSE)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_schema_check_would_catch_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("healthcheck:", "healthchek:", 1))
    run = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                          str(broken)], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0


def test_dockerfile_passes_hadolint() -> None:
    run = subprocess.run([tool("hadolint"), "--failure-threshold", "warning",
                          str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_compose_names_every_service_with_healthchecks() -> None:
    spec = YAML(typ="safe").load(COMPOSE.read_text())
    services = spec["services"]
    assert set(services) == {"postgresql", "temporal", "temporal-ui", "worker", "web", "mail"}
    assert all("healthcheck" in s for s in services.values())
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    for name in ("worker", "web"):
        assert services[name]["build"] == "."
        assert services[name]["depends_on"]["temporal"]["condition"] == "service_healthy"


def test_required_secrets_fail_fast() -> None:
    text = COMPOSE.read_text()
    for secret in ("POSTGRES_PASSWORD", "LINK_SIGNING_KEY", "INTAKE_API_TOKEN",
                   "PUBLIC_BASE_URL"):
        assert re.search(r"\$\{" + secret + r":\?[^}]+\}", text), secret
    assert not re.search(r"(KEY|TOKEN|PASSWORD): [A-Za-z0-9]", text)  # no secret baked in
