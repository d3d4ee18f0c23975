#!/usr/bin/env python3
"""Set-up and everyday commands, runnable with nothing but Python.

    python3 dev.py run     # venv + pinned install, migrate, demo data, then web (:8000),
                           # Celery worker and beat together until Ctrl-C
    python3 dev.py run 127.0.0.1:8001   # the same on another address (HOST:PORT or PORT)
    python3 dev.py serve   # web, worker and beat only: a quick restart after a run
    python3 dev.py test    # venv + pinned install, the whole test suite (extra args go to pytest)
    python3 dev.py lint    # ruff

Uses only the standard library so a fresh clone needs no other tool. The virtual
environment lives in .venv and is reinstalled only when pyproject.toml or
constraints.txt change (DEV_SKIP_INSTALL=1: never, for a .venv managed by other means,
e.g. the test that runs `dev.py run` inside the environment it tests).
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
INSTALL_INPUTS = ("pyproject.toml", "constraints.txt")
DEFAULT_ADDRESS = "127.0.0.1:8000"
# The demo admin's generated password and key, kept between starts (see
# phonenumbers_app/demo_credentials.py); DEV_CREDENTIALS_FILE moves it (the tests do).
CREDENTIALS_FILE = Path(os.environ.get("DEV_CREDENTIALS_FILE", ROOT / ".dev-credentials"))


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
    if os.environ.get("DEV_SKIP_INSTALL") == "1" and PYTHON.exists():
        return
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


def parse_address(text: str) -> tuple[str, int]:
    """runserver's forms: PORT, HOST:PORT, [IPv6]:PORT; ValueError with what is wrong."""
    host, colon, port = text.rpartition(":")
    if not colon:
        host = "127.0.0.1"
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:8001) or a port")
    return host, int(port)


def port_problem(host: str, port: int) -> str | None:
    """Why runserver could not listen on host:port now, or None when it could.

    Binds as runserver will (SO_REUSEADDR, so a port a previous run left in TIME_WAIT
    counts as free) and lets go at once; someone may still take the port in between.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot listen on {host}:{port} ({exc.strerror})"
    family, kind, proto, _, where = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError as exc:
            return f"port {port} on {host} is not free ({exc.strerror}; another dev.py run?)"
    return None


def free_address(command: str, args: list[str]) -> str:
    """The address to serve on (argument, ADDRESS, or 127.0.0.1:8000), checked before
    anything else happens: a busy port ends the command with one line, nothing changed."""
    text = args[0] if args else os.environ.get("ADDRESS", DEFAULT_ADDRESS)
    try:
        host, port = parse_address(text)
    except ValueError as exc:
        print(f"dev.py: {exc}.", file=sys.stderr)
        sys.exit(2)
    if problem := port_problem(host, port):
        other = f"[{host}]:{port + 1}" if ":" in host else f"{host}:{port + 1}"
        print(
            f"dev.py: {problem}. Choose another: python3 dev.py {command} {other}",
            file=sys.stderr,
        )
        sys.exit(1)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def cmd_run(args: list[str]) -> None:
    address = free_address("run", args)  # before migrations and demo data touch the database
    ensure_environment()
    manage("migrate", "--noinput", "--verbosity", "0")
    manage("collectstatic", "--noinput", "--verbosity", "0")
    manage(
        "seed_demo",
        "--credentials",
        "--credentials-file",
        str(CREDENTIALS_FILE),
        "--base-url",
        f"http://{address}",
    )
    serve(address)


def cmd_serve(args: list[str]) -> None:
    """Web, worker and beat together, without run's set-up steps (a quicker restart)."""
    address = free_address("serve", args)
    ensure_environment()
    serve(address)


def serve(address: str) -> None:
    # Demo traffic keeps the demo numbers' warmup moving; a developer may turn it off.
    env = {**os.environ, "DEMO_TRAFFIC": os.environ.get("DEMO_TRAFFIC", "1")}
    # A developer's settings for all three (Celery's own default is production's).
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # Children write through a pipe: unbuffered, so their lines show as they are written.
    env["PYTHONUNBUFFERED"] = "1"
    # The simulated provider sends its webhooks back to this server, wherever it listens.
    env.setdefault("SIMULATED_PROVIDER_WEBHOOK_URL", f"http://{address}/webhooks/simulated")
    celery = (PYTHON, "-m", "celery", "-A", "config")
    sys.exit(
        run_together(
            {
                "web": (PYTHON, "manage.py", "runserver", address),
                # One task at a time in the worker's own process (solo pool): the default
                # broker is a folder that kombu polls and the default database is SQLite,
                # which takes one writer at a time, so more concurrency only adds processes
                # waiting on the same lock. Production runs prefork with --concurrency N.
                "worker": (*celery, "worker", "--pool=solo", "--concurrency=1", "-l", "INFO"),
                "beat": (*celery, "beat", "-l", "INFO"),
            },
            env=env,
        )
    )


# How long stopping waits for the children to exit before it kills them: the worker's
# warm shutdown finishes the task it is running.
STOP_GRACE_SECONDS = 10.0


def run_together(commands: dict[str, tuple[str | os.PathLike, ...]], env: dict[str, str]) -> int:
    """Run the commands side by side, each line they print prefixed with its name, until
    one exits or this process gets Ctrl-C (SIGINT) or SIGTERM; then stop them all.

    Each child leads a process group of its own (with whatever it starts, e.g. the
    autoreloader's server process), so Ctrl-C in a terminal reaches this process only,
    and stopping signals whole groups: SIGTERM, then SIGKILL after STOP_GRACE_SECONDS.
    It returns once every child has exited. Exit status: 0 when stopped by a signal,
    else that of the child that exited first (1 if that was 0, 128+N if signal N).
    """
    requested = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        requested.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)

    width = max(map(len, commands))
    output_lock = threading.Lock()
    children: dict[str, subprocess.Popen[str]] = {}
    relays: list[threading.Thread] = []
    try:
        for name, command in commands.items():
            child = _start_in_own_group(command, env)
            children[name] = child
            _print(output_lock, f"dev.py: started {name} (pid {child.pid})")
            relay = threading.Thread(
                target=_relay, args=(child, f"{name:<{width}} | ", output_lock), daemon=True
            )
            relay.start()
            relays.append(relay)

        status = 0
        while not requested.is_set():
            exited = [(n, c.returncode) for n, c in children.items() if c.poll() is not None]
            if exited:
                name, code = exited[0]
                _print(output_lock, f"dev.py: {name} exited with {code}; stopping the others")
                # A signal's death as a shell reports it (128 + signal); 0 was not asked for.
                status = 128 - code if code < 0 else code or 1
                break
            requested.wait(0.2)
        else:
            _print(output_lock, "dev.py: stopping " + ", ".join(children))
    finally:
        _stop(children, output_lock)
        for relay in relays:
            relay.join(timeout=2)
    return status


def _start_in_own_group(command: tuple, env: dict[str, str]) -> subprocess.Popen[str]:
    own_group: dict = (
        {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        if os.name == "nt"
        else {"start_new_session": True}
    )
    return subprocess.Popen(
        [str(part) for part in command],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        **own_group,
    )


def _relay(child: subprocess.Popen[str], prefix: str, lock: threading.Lock) -> None:
    for line in child.stdout:
        _print(lock, prefix + line.rstrip("\n"))


def _print(lock: threading.Lock, line: str) -> None:
    with lock:
        print(line, flush=True)


def _signal_group(child: subprocess.Popen[str], signum: int) -> None:
    try:
        if os.name == "nt":
            child.send_signal(signal.CTRL_BREAK_EVENT if signum == signal.SIGTERM else signum)
        else:
            os.killpg(child.pid, signum)
    except OSError:
        pass  # the group is already gone


def _stop(children: dict[str, subprocess.Popen[str]], lock: threading.Lock) -> None:
    """SIGTERM to every child's group, even one whose leader has exited (what it started
    may live on), then SIGKILL to the groups of those still running after the grace."""
    for child in children.values():
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _print(lock, f"dev.py: {name} did not stop within {STOP_GRACE_SECONDS:g} s; killing it")
            _signal_group(child, signal.SIGKILL if os.name != "nt" else signal.SIGTERM)
            child.wait()
    for child in children.values():
        # Anything left in a group (its leader gone) gets no grace.
        if os.name != "nt":
            _signal_group(child, signal.SIGKILL)


def cmd_test(args: list[str]) -> None:
    ensure_environment()
    _run(PYTHON, "-m", "pytest", *args)


def cmd_lint(args: list[str]) -> None:
    ensure_environment()
    _run(PYTHON, "-m", "ruff", "check", ".", *args)


COMMANDS = {"run": cmd_run, "serve": cmd_serve, "test": cmd_test, "lint": cmd_lint}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
