"""Run Python code in a fresh interpreter (settings read at start-up, another process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, *args: str, env: dict[str, str]) -> str:
    """`python -c code args...` in the project root with `env`; its stdout. Fails the
    test, showing stderr, when it exits non-zero."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
