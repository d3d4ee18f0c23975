"""Shared by the adapter tests: looking for a secret wherever it must not be."""

from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def secret_forms(*secrets: str) -> list[str]:
    """The secret as it could leak: itself, and inside an HTTP Basic header."""
    forms = list(secrets)
    for secret in secrets:
        forms.append(base64.b64encode(secret.encode()).decode().rstrip("="))
    return forms


def assert_nowhere(text: str, *secrets: str) -> None:
    for form in secret_forms(*secrets):
        assert form not in text, "a secret leaked"


def error_text(error: BaseException) -> str:
    """Everything a handler could print or log about an exception, its chain included."""
    return "\n".join(
        [str(error), repr(error), *traceback.format_exception(error), str(vars(error))]
    )


@contextmanager
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger at DEBUG (the libraries' request logs included)."""
    names = ("telnyx", "twilio", "twilio.http_client", "httpx", "httpcore", "providers")
    levels = {name: logging.getLogger(name).level for name in names}
    with caplog.at_level(logging.DEBUG):
        for name in names:
            logging.getLogger(name).setLevel(logging.DEBUG)
        try:
            yield caplog
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
