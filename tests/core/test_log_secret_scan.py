"""The end-of-run search for secrets (tests/log_secrets.py) finds each kind it is meant to,
and not what was redacted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.log_secrets import known_secrets, scan_files, scan_lines
from tests.subprocesses import PROJECT_ROOT

API_KEY = "Ab3dEf7h." + "k" * 32
WEBHOOK_SECRET = "whsec_" + "MTIzNDU2Nzg5MGFiY2RlZg" * 2
PASSWORD = "correct-horse-battery-9"
TWILIO_TOKEN = "f" * 32


@pytest.fixture
def known() -> dict[str, str]:
    return {PASSWORD: "password", TWILIO_TOKEN: "provider credential"}


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (f'{{"event": "created {API_KEY}"}}', "API key"),
        (f'{{"secret": "{WEBHOOK_SECRET}"}}', "webhook secret"),
        ('{"event": "Authorization: Bearer sk_live_abcdefgh123"}', "bearer credential"),
        (f'{{"event": "login", "password": "{PASSWORD}"}}', "password"),
        (f"twilio said {TWILIO_TOKEN}", "provider credential"),
    ],
)
def test_each_kind_of_secret_is_found(line, kind, known):
    [finding] = scan_lines(["a harmless line", line], "run.jsonl", known)

    assert (finding.source, finding.line, finding.kind) == ("run.jsonl", 2, kind)


def test_a_finding_never_shows_the_whole_secret(known):
    [finding] = scan_lines([API_KEY], "run.jsonl", known)

    assert API_KEY not in str(finding)
    assert str(finding).startswith("run.jsonl:1: API key (Ab3d…")


@pytest.mark.parametrize(
    "line",
    [
        '{"event": "key Ab3dEf7h.[REDACTED] used"}',
        '{"secret": "whsec_[REDACTED]"}',
        '{"event": "Authorization: Bearer [REDACTED]"}',
        '{"password": "[REDACTED]"}',
        "Malformed Authorization header: use 'Bearer <api key>'.",
        '{"event": "whsec_…: verifies our signatures"}',
    ],
)
def test_redacted_and_ordinary_lines_are_not_findings(line, known):
    assert list(scan_lines([line], "run.jsonl", known)) == []


def test_files_are_searched_line_by_line(tmp_path: Path, known):
    log = tmp_path / "worker.log"
    log.write_text(f"ready\nstarted\npassword {PASSWORD}\n")

    [finding] = scan_files([log], known)

    assert (finding.line, finding.kind) == (3, "password")


def test_the_tests_passwords_and_credentials_are_known(tmp_path: Path, settings):
    (tmp_path / "test_x.py").write_text(
        'PASSWORD = "the-right-password-42"\n'
        'user.set_password("chosen-by-the-developer")\n'
        'API_KEY = "KEY0192TESTtelnyxSecretValue"\n'
        'name = "not a secret at all"\n'
    )
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN

    known = known_secrets(tmp_path)

    assert known["the-right-password-42"] == "password"
    assert known["chosen-by-the-developer"] == "password"
    assert known["KEY0192TESTtelnyxSecretValue"] == "provider credential"
    assert known[TWILIO_TOKEN] == "provider credential"
    assert "not a secret at all" not in known


LEAKY_TEST = """
import logging


def test_that_leaks():
    key = "Zz9yXx8w" + "." + "s" * 32
    logging.getLogger("leaky").debug("created %s", key)  # redacted by the formatter
    # PASSWORD above: a password the tests' source assigns, so the search knows it.
    logging.getLogger("leaky").debug("logged in with %s", "correct-horse-" + "battery-9")
    print("your new key:", key)
"""


def test_a_run_whose_output_holds_a_secret_fails_and_says_where(tmp_path: Path):
    (tmp_path / "test_leaky.py").write_text(LEAKY_TEST)
    env = {**os.environ, "TEST_LOG_DIR": str(tmp_path / "logs")}
    command = [sys.executable, "-m", "pytest", "-p", "tests.log_secrets", "-p", "no:cacheprovider"]
    command += ["-c", str(PROJECT_ROOT / "pyproject.toml"), "--rootdir", str(PROJECT_ROOT)]

    done = subprocess.run(
        [*command, str(tmp_path / "test_leaky.py")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "2 secret(s) in the test run's output" in done.stdout
    assert "test_that_leaks [Captured stdout call]:1: API key (Zz9y…" in done.stdout
    assert re.search(r"session\.jsonl:\d+: password \(corr…", done.stdout), done.stdout
    assert "s" * 32 not in done.stdout
    assert "battery-9" not in done.stdout
    # The key the formatter redacted is in the log only as its prefix.
    assert "created Zz9yXx8w.[REDACTED]" in (tmp_path / "logs" / "session.jsonl").read_text()
