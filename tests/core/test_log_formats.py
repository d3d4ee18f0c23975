"""LOG_FORMAT: JSON under the production settings, readable lines under the local ones;
stdlib records and structlog's alike, secrets redacted in both (config/logs.py)."""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys

import pytest
import structlog

from config.logs import REDACTED, logging_config, production_json_formatter, redact_text
from tests.subprocesses import PROJECT_ROOT

API_KEY = "Ab3dEf7h." + "Z" * 16 + "q" * 16
WEBHOOK_SECRET = "whsec_" + "QUJD" * 11
EMIT = (
    "import logging, structlog, django; django.setup(); "
    "from django.conf import settings; print('FORMAT', settings.LOG_FORMAT, flush=True); "
    f"structlog.get_logger('probe').info('structured', api_key='{API_KEY}', count=3); "
    f"logging.getLogger('probe.stdlib').warning('stdlib %s', 'Bearer {API_KEY}'); "
    "import warnings; warnings.warn('a library warns', UserWarning)"
)


ENV_OF_THE_DEPLOYMENT = ("LOG_FORMAT", "LOG_LEVEL", "DEBUG", "SECRET_KEY", "DATABASE_URL")


def production_env(tmp_path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "inventory.example.com",
    }


def run(settings_module: str, tmp_path, **extra: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ENV_OF_THE_DEPLOYMENT}
    env.update(DJANGO_SETTINGS_MODULE=settings_module)
    if settings_module.endswith("production"):
        env.update(production_env(tmp_path))
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-c", EMIT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_production_writes_one_json_object_a_line(tmp_path):
    done = run("config.settings.production", tmp_path)

    assert "FORMAT json" in done.stdout
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    by_event = {line["event"]: line for line in lines}
    structured = by_event["structured"]
    assert (structured["level"], structured["logger"], structured["count"]) == ("info", "probe", 3)
    assert structured["api_key"] == REDACTED
    assert by_event[f"stdlib Bearer {REDACTED}"]["level"] == "warning"
    assert API_KEY not in done.stderr
    # A Python warning is a line of the same format (its logger: py.warnings), not text.
    (warned,) = [line for line in lines if "a library warns" in line["event"]]
    assert warned["logger"] == "py.warnings"
    assert all(line.startswith("{") for line in done.stderr.splitlines() if line.strip())


def test_production_may_ask_for_the_readable_format_and_the_deploy_check_warns(tmp_path):
    done = run("config.settings.production", tmp_path, LOG_FORMAT="console")

    assert "FORMAT console" in done.stdout
    warned = check_deploy(tmp_path, LOG_FORMAT="console")
    assert "logs.W001" in warned and "production logs should be JSON" in warned


def test_the_deploy_check_passes_with_production_s_json(tmp_path):
    assert "logs.W001" not in check_deploy(tmp_path)


def check_deploy(tmp_path, **extra: str) -> str:
    env = {key: value for key, value in os.environ.items() if key not in ENV_OF_THE_DEPLOYMENT}
    env.update(production_env(tmp_path), **extra)
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout + done.stderr


def test_development_writes_readable_lines_without_colours_off_a_terminal(tmp_path):
    done = run("config.settings.local", tmp_path)

    assert "FORMAT console" in done.stdout
    structured = next(line for line in done.stderr.splitlines() if "structured" in line)
    assert not structured.startswith("{")
    assert "[info" in structured and "count=3" in structured
    assert "\x1b[" not in done.stderr  # no colour codes in a file or a pipe
    assert API_KEY not in done.stderr


def test_an_unknown_format_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


class TestRedaction:
    def render(self, record: logging.LogRecord) -> dict:
        return json.loads(production_json_formatter().format(record))

    def test_sensitive_keys_and_secret_shapes_in_text_are_replaced(self):
        line = self.render(
            logging.makeLogRecord(
                {
                    "name": "probe",
                    "levelno": logging.INFO,
                    "levelname": "INFO",
                    "msg": "signed with %s for key %s",
                    "args": (WEBHOOK_SECRET, API_KEY),
                }
            )
        )

        assert line["event"] == f"signed with whsec_{REDACTED} for key Ab3dEf7h.{REDACTED}"

    def test_structured_values_are_walked(self):
        logger = structlog.get_logger("probe")
        processed = {}

        def capture(_, __, event_dict):
            processed.update(event_dict)
            raise structlog.DropEvent

        from config.logs import redact

        bound = structlog.wrap_logger(
            logger, processors=[redact, capture], wrapper_class=structlog.BoundLogger
        )
        bound.info(
            "call",
            headers={"Authorization": "Bearer abcdefghijkl", "Accept": "json"},
            password="hunter22",
            dsn="https://key@sentry.example/1",
            args=["plain", API_KEY],
            empty_token="",
        )

        assert processed["headers"] == {"Authorization": REDACTED, "Accept": "json"}
        assert processed["password"] == REDACTED
        assert processed["dsn"] == REDACTED
        assert processed["args"] == ["plain", f"Ab3dEf7h.{REDACTED}"]
        assert processed["empty_token"] == ""  # nothing to hide: an empty value says so

    def test_ordinary_text_is_left_alone(self):
        text = "GET /phone-numbers/0192c0de-7a1b-7cde-8f00-123456789abc took 12 ms"

        assert redact_text(text) == text


def test_a_logged_exception_keeps_its_traceback_redacted_in_the_readable_format():
    formatter_options = logging_config(log_format="console", level="INFO")["formatters"]["console"]
    factory = formatter_options.pop("()")
    formatter = factory(**formatter_options)
    try:
        raise ValueError("broken for " + API_KEY)
    except ValueError as error:
        caught = error
    # Logged after the except block: the record's exception is the only one there is.
    record = logging.makeLogRecord(
        {
            "name": "probe",
            "levelno": logging.ERROR,
            "levelname": "ERROR",
            "msg": "failed",
            "exc_info": (type(caught), caught, caught.__traceback__),
        }
    )

    text = formatter.format(record)

    assert "Traceback (most recent call last)" in text
    assert f"ValueError: broken for Ab3dEf7h.{REDACTED}" in text
