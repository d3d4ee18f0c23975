"""Project-wide checks: migrations match the models, the contract copy is current."""

import json
from io import StringIO

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
