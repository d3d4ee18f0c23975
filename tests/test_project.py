"""Project-wide checks: migrations match the models, the contract copy is current."""

import ast
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import CONTRACT, CONTRACT_COPY


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.skipif(not CONTRACT.exists(), reason="shared/ is not beside this checkout")
def test_the_tests_contract_copy_matches_the_published_contract():
    assert json.loads(CONTRACT_COPY.read_text()) == json.loads(CONTRACT.read_text())


def test_django_system_checks_pass():
    call_command("check", "--fail-level", "WARNING", stdout=StringIO())


APP_PACKAGES = ("accounts", "businesses", "config", "core", "phonenumbers_app")


def test_the_app_never_imports_the_benchmark_tooling():
    """bench/ is run by hand; a deployment need not ship it."""
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for package in APP_PACKAGES:
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                if any(name == "bench" or name.startswith("bench.") for name in names):
                    offenders.append(str(path.relative_to(root)))
    assert offenders == []
