"""The whole test run's output, searched for secrets (a pytest plugin, loaded by conftest).

For the session, every log record (DEBUG and up, whichever logger) is also written by the
production JSON formatter to artifacts/test-logs/session.jsonl; the Celery workers the
tests start leave their output beside it (tests/celery_worker.py), and what the tests print
is read from their reports. At the end all of it is searched for secret shapes (our API
keys, webhook secrets, bearer credentials) and for the passwords and provider credentials
the tests and their settings use. Any hit fails the run, listed as file:line and the kind;
the secret itself is never printed in full.

The console handler keeps its level: only this file sees the DEBUG records.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.logs import production_json_formatter
from tests.subprocesses import PROJECT_ROOT

# TEST_LOG_DIR: elsewhere (a test of this plugin runs pytest inside pytest).
LOG_DIR = Path(os.environ.get("TEST_LOG_DIR") or PROJECT_ROOT / "artifacts" / "test-logs")
SESSION_LOG = LOG_DIR / "session.jsonl"
WORKER_LOG_GLOB = "worker-*.log"
TESTS_DIR = PROJECT_ROOT / "tests"

# Shapes a secret has wherever it comes from; a redacted one ("abcd1234.[REDACTED]",
# "whsec_[REDACTED]", "Bearer [REDACTED]") matches none of them.
SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("API key", re.compile(r"\b[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}\b")),
    ("webhook secret", re.compile(r"whsec_[A-Za-z0-9+/]{20,}")),
    ("bearer credential", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)),
)
# Literal secrets the tests set: passwords and provider credentials, by the names they
# are given in the tests' source (so a new test's password is searched for too).
_LITERALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("password", re.compile(r"""\b\w*PASSWORD\w*\s*=\s*["']([^"'\n]{8,})["']""")),
    ("password", re.compile(r"""set_password\(\s*["']([^"'\n]{8,})["']""")),
    ("password", re.compile(r"""\bpassword\s*=\s*["']([^"'\n]{8,})["']""")),
    (
        "provider credential",
        re.compile(
            r"""\b\w*(?:API_KEY|AUTH_TOKEN|SIGNING_KEY|SECRET)\w*\s*=\s*["']([^"'\n]{8,})["']"""
        ),
    ),
)


@dataclass(frozen=True)
class Finding:
    source: str
    line: int
    kind: str
    excerpt: str  # the secret's first characters only

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.kind} ({self.excerpt})"


def masked(secret: str) -> str:
    return f"{secret[:4]}…[{len(secret)} characters]"


def known_secrets(tests_dir: Path = TESTS_DIR) -> dict[str, str]:
    """Secret → kind: the literals the tests' source assigns to passwords and credentials,
    and the secrets of the test settings."""
    from django.conf import settings

    found: dict[str, str] = {}
    for path in tests_dir.rglob("*.py"):
        text = path.read_text(encoding="utf-8", errors="replace")
        for kind, pattern in _LITERALS:
            for match in pattern.finditer(text):
                found.setdefault(match.group(1), kind)
    for name in ("SECRET_KEY", "SIMULATED_PROVIDER_SIGNING_KEY", "TELNYX_API_KEY"):
        if value := getattr(settings, name, ""):
            found.setdefault(value, "settings secret")
    if value := getattr(settings, "TWILIO_AUTH_TOKEN", ""):
        found.setdefault(value, "provider credential")
    return found


def scan_lines(lines: Iterable[str], source: str, known: dict[str, str]) -> Iterator[Finding]:
    for number, line in enumerate(lines, start=1):
        for kind, pattern in SHAPES:
            for match in pattern.finditer(line):
                yield Finding(source, number, kind, masked(match.group(0)))
        for secret, kind in known.items():
            if secret in line:
                yield Finding(source, number, kind, masked(secret))


def scan_files(paths: Iterable[Path], known: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as lines:
            source = (
                str(path.relative_to(PROJECT_ROOT))
                if path.is_relative_to(PROJECT_ROOT)
                else str(path)
            )
            findings.extend(scan_lines(lines, source, known))
    return findings


# --- the plugin ------------------------------------------------------------------------

_handler: logging.Handler | None = None
_printed: list[Finding] = []
_known: dict[str, str] = {}


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """The root lets DEBUG through to this file; the other handlers keep the threshold the
    settings gave the root. Done before pytest's logging plugin first notes the root's level
    (it puts that level back after each phase of the run)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.level == logging.NOTSET:
            handler.setLevel(root.level)
    root.setLevel(logging.DEBUG)


def pytest_sessionstart(session: pytest.Session) -> None:
    global _handler
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in LOG_DIR.glob(WORKER_LOG_GLOB):
        old.unlink()
    _known.update(known_secrets())
    _handler = logging.FileHandler(SESSION_LOG, mode="w", encoding="utf-8")
    _handler.setLevel(logging.DEBUG)
    _handler.setFormatter(production_json_formatter())
    logging.getLogger().addHandler(_handler)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """What a test printed (its captured stdout and stderr), searched as it is reported."""
    for title, content in report.sections:
        # A phase's report repeats the earlier phases' sections: each is read once.
        if ("stdout" in title or "stderr" in title) and title.endswith(report.when):
            source = f"{report.nodeid} [{title}]"
            _printed.extend(scan_lines(content.splitlines(), source, _known))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _handler is None:
        return
    logging.getLogger().removeHandler(_handler)
    _handler.close()
    findings = _printed + scan_files([SESSION_LOG, *sorted(LOG_DIR.glob(WORKER_LOG_GLOB))], _known)
    if not findings:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(findings)} secret(s) in the test run's output:"]
    lines += [f"  {finding}" for finding in findings[:50]]
    if len(findings) > 50:
        lines.append(f"  … and {len(findings) - 50} more")
    if reporter is not None:
        reporter.write_sep("=", "secrets in the output", red=True, bold=True)
        for line in lines:
            reporter.write_line(line, red=True)
    else:  # pragma: no cover (pytest always has its terminal reporter unless -p no:terminal)
        print("\n".join(lines))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
