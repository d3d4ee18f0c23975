#!/usr/bin/env python3
"""Set-up and everyday commands, runnable with nothing but Python.

    python3 dev.py run     # venv + pinned install, migrate, demo data, server on :8000
    python3 dev.py test    # venv + pinned install, the whole test suite (extra args go to pytest)
    python3 dev.py lint    # ruff

Uses only the standard library so a fresh clone needs no other tool. The virtual
environment lives in .venv and is reinstalled only when pyproject.toml or
constraints.txt change.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
INSTALL_INPUTS = ("pyproject.toml", "constraints.txt")


def _run(*args: str | os.PathLike, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode:
        sys.exit(result.returncode)


def _install_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INSTALL_INPUTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create .venv and install the pinned app and test dependencies into it."""
    if not PYTHON.exists():
        print("Creating virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = _install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    print("Installing pinned dependencies ...", flush=True)
    _run(
        PYTHON,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-c",
        "constraints.txt",
        "-e",
        ".[dev]",
    )
    STAMP.write_text(fingerprint)


def manage(*args: str) -> None:
    _run(PYTHON, "manage.py", *args)


def cmd_run(args: list[str]) -> None:
    address = args[0] if args else os.environ.get("ADDRESS", "127.0.0.1:8000")
    manage("migrate", "--noinput", "--verbosity", "0")
    manage("collectstatic", "--noinput", "--verbosity", "0")
    manage("seed_demo", "--credentials", "--base-url", f"http://{address}")
    manage("runserver", address)


def cmd_test(args: list[str]) -> None:
    _run(PYTHON, "-m", "pytest", *args)


def cmd_lint(args: list[str]) -> None:
    _run(PYTHON, "-m", "ruff", "check", ".", *args)


COMMANDS = {"run": cmd_run, "test": cmd_test, "lint": cmd_lint}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    ensure_environment()
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
