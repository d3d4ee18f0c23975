"""`python3 dev.py run` brings up web, worker and beat together and stops them together.

Each run is a real `dev.py run` in a subprocess, on an SQLite file and a filesystem broker
of its own (CELERY_DATA_DIR), with the environment the test runs in (DEV_SKIP_INSTALL:
it must not reinstall the environment it runs inside). Stopping is judged by the
process groups dev.py gives its children: none may keep a live process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

import dev
from tests.subprocesses import PROJECT_ROOT, run_python

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="reads process groups from /proc"
    ),
    # dev.py run is the embedded default (SQLite, its own database file whatever the suite
    # runs on): the suite's PostgreSQL pass would run the same minute again.
    pytest.mark.skipif(
        connection.vendor == "postgresql", reason="run once, on the SQLite pass of the suite"
    ),
]

CHILDREN = ("web", "worker", "beat")
# What each child prints once it is up: the worker takes tasks, beat schedules.
READY_LINES = {
    "worker": re.compile(r"^worker +\| .*celery@\S+ ready\."),
    "beat": re.compile(r"^beat +\| .*beat: Starting\.\.\."),
}
STARTED = re.compile(r"^dev\.py: started (\w+) \(pid (\d+)\)$")
START_TIMEOUT = 120.0
# A clean stop is the children's own: within dev.py's grace, nothing killed.
STOP_TIMEOUT = dev.STOP_GRACE_SECONDS + 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def developer_environment(folder: Path) -> dict[str, str]:
    """What a developer's shell would have: no test settings, no broker, no Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL", "REDIS_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        CELERY_DATA_DIR=str(folder / "celery"),
        DEV_SKIP_INSTALL="1",
        # The demo login's secrets beside this database, never in the developer's checkout.
        DEV_CREDENTIALS_FILE=str(folder / ".dev-credentials"),
    )
    return env


PRISTINE = "never-started.sqlite3"


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    """A migrated database holding one demo number: each run's set-up steps find their
    work done (the first run on a fresh clone is slower, not different)."""
    folder = tmp_path_factory.mktemp("dev-run")
    env = developer_environment(folder)
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo", "--numbers", "1"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
    # As it is now, before any start: the tests that count starts begin from this copy.
    shutil.copy(folder / "db.sqlite3", folder / PRISTINE)
    return folder


class DevRun:
    """A running `python3 dev.py run`, its output read line by line as it comes."""

    def __init__(
        self, command: str, folder: Path, celery_folder: Path, host: str = "127.0.0.1"
    ) -> None:
        self.env = {
            **developer_environment(folder),
            "CELERY_DATA_DIR": str(celery_folder),
            # Django answers only the hosts it is told of (localhost's by default).
            "ALLOWED_HOSTS": host,
        }
        self.host = host
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "dev.py", command, f"{host}:{self.port}"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._new_lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.pids: dict[str, int] = {}

    def _read(self) -> None:
        for line in self.process.stdout:
            self._new_lines.put(line.rstrip("\n"))
        self._new_lines.put(None)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until_up(self) -> None:
        """Until the three children are started and ready and /healthz answers."""
        deadline = time.monotonic() + START_TIMEOUT
        waiting_for = set(READY_LINES)
        while waiting_for or len(self.pids) < len(CHILDREN) or not self._healthy():
            line = self._next_line(deadline)
            if line is None:
                continue
            if started := STARTED.match(line):
                self.pids[started[1]] = int(started[2])
            waiting_for -= {name for name in waiting_for if READY_LINES[name].match(line)}

    def _next_line(self, deadline: float) -> str | None:
        if time.monotonic() > deadline:
            pytest.fail(f"dev.py run did not come up in {START_TIMEOUT:g} s:\n{self.output()}")
        try:
            line = self._new_lines.get(timeout=0.5)
        except queue.Empty:
            return None
        if line is None:
            pytest.fail(f"dev.py run ended before it was up:\n{self.output()}")
        self.lines.append(line)
        return line

    def _healthy(self) -> bool:
        if "web" not in self.pids:
            return False
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def wait_for_exit(self, timeout: float) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"dev.py run still running {timeout:g} s later:\n{self.output()}")
        while (line := self._new_lines.get(timeout=5)) is not None:
            self.lines.append(line)
        return code

    def stop(self) -> None:
        """Whatever the test did, leave nothing running."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in self.pids.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


@contextlib.contextmanager
def running(
    command: str, folder: Path, celery_folder: Path, host: str = "127.0.0.1"
) -> Iterator[DevRun]:
    run = DevRun(command, folder, celery_folder, host)
    try:
        run.wait_until_up()
        yield run
    finally:
        run.stop()


@pytest.fixture
def dev_run(database, tmp_path) -> Iterator[DevRun]:
    """`dev.py run`: its set-up steps, then web, worker and beat."""
    with running("run", database, tmp_path / "celery") as run:
        yield run


@pytest.fixture
def dev_serve(database, tmp_path) -> Iterator[DevRun]:
    """`dev.py serve`: the same three processes without the set-up steps (quicker)."""
    with running("serve", database, tmp_path / "celery") as run:
        yield run


def live_processes_in_group(group: int) -> list[str]:
    """The processes of a process group that have not exited (zombies excepted)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited while we looked
        # "pid (command) state ppid pgrp ...": the command may hold spaces and parentheses.
        state, _ppid, pgrp = text[text.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == group and state != "Z":
            found.append(text[: text.rindex(")") + 1])
    return found


def assert_nothing_left(run: DevRun) -> None:
    left = {name: live_processes_in_group(pid) for name, pid in run.pids.items()}
    assert left == {name: [] for name in run.pids}, run.output()


def test_run_brings_up_a_worker_that_runs_tasks_and_ctrl_c_stops_all_three(dev_run):
    """Through the default broker (a folder) and result rows in the SQLite database."""
    answer = run_python(
        "import django; django.setup()\n"
        "from core.tasks import ping\n"
        "print(ping.delay().get(timeout=60))",
        env={**dev_run.env, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
    )
    assert answer.strip() == "pong"
    assert set(dev_run.pids) == set(CHILDREN)

    os.kill(dev_run.process.pid, signal.SIGINT)

    assert dev_run.wait_for_exit(timeout=STOP_TIMEOUT) == 0
    assert "did not stop" not in dev_run.output()
    assert_nothing_left(dev_run)


def test_sigterm_stops_web_worker_and_beat_together(dev_serve):
    assert set(dev_serve.pids) == set(CHILDREN)

    os.kill(dev_serve.process.pid, signal.SIGTERM)

    assert dev_serve.wait_for_exit(timeout=STOP_TIMEOUT) == 0
    assert "did not stop" not in dev_serve.output()
    assert_nothing_left(dev_serve)


def test_when_one_child_dies_the_others_are_stopped(dev_serve):
    os.kill(dev_serve.pids["worker"], signal.SIGKILL)

    assert dev_serve.wait_for_exit(timeout=STOP_TIMEOUT) == 128 + signal.SIGKILL
    assert "dev.py: worker exited with -9; stopping the others" in dev_serve.lines
    assert "did not stop" not in dev_serve.output()
    assert_nothing_left(dev_serve)


def printed_credentials(run: DevRun) -> tuple[str, str]:
    """The password and API key `dev.py run` printed."""
    text = run.output()
    return text.split("password: ")[1].split()[0], text.split("API key:  ")[1].split()[0]


def stop(run: DevRun) -> None:
    os.kill(run.process.pid, signal.SIGINT)
    assert run.wait_for_exit(timeout=STOP_TIMEOUT) == 0


@pytest.fixture
def fresh_copy(database, tmp_path) -> Path:
    """The module's database as it was before any start, for this test alone."""
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(database / PRISTINE, folder / "db.sqlite3")
    return folder


def test_a_second_start_keeps_the_login_and_key_and_listens_where_it_is_told(fresh_copy, tmp_path):
    """The second start also runs on 127.0.0.2: loopback, but not runserver's default, so
    only the HOST:PORT argument puts the server there (both starts cost a minute each)."""
    with running("run", fresh_copy, tmp_path / "celery-1") as first:
        password, key = printed_credentials(first)
        stop(first)
    kept = fresh_copy / ".dev-credentials"
    assert kept.stat().st_mode & 0o777 == 0o600

    with running("run", fresh_copy, tmp_path / "celery-2", host="127.0.0.2") as second:
        assert printed_credentials(second) == (password, key)
        assert "(new)" not in second.output()
        assert f"Log in:   http://127.0.0.2:{second.port}/ops/" in second.output()
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", second.port), 2):
            pass  # nothing on the default host
        request = urllib.request.Request(
            f"{second.url}/businesses", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        stop(second)

    answer = run_python(
        "import sys, django; django.setup()\n"
        "from accounts.models import User, UserAPIKey\n"
        "admin = User.objects.get(username='admin')\n"
        "print(admin.check_password(sys.argv[1]), UserAPIKey.objects.filter(user=admin).count())",
        password,
        env={
            **developer_environment(fresh_copy),
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
        },
    )
    assert answer.split() == ["True", "1"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", ["run", "serve"])
def test_a_busy_port_fails_at_once_naming_it_and_leaves_the_database_alone(
    command, fresh_copy, tmp_path
):
    database_before = sha256(fresh_copy / "db.sqlite3")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = subprocess.run(
            [sys.executable, "dev.py", command, f"127.0.0.1:{port}"],
            cwd=PROJECT_ROOT,
            env=developer_environment(fresh_copy),
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"dev.py: port {port} on 127.0.0.1 is not free (Address already in use; another "
        f"dev.py run?). Choose another: python3 dev.py {command} 127.0.0.1:{port + 1}"
    ]
    assert sha256(fresh_copy / "db.sqlite3") == database_before
    assert sorted(p.name for p in fresh_copy.iterdir()) == ["db.sqlite3"]


def test_a_busy_port_on_a_fresh_clone_creates_no_database(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "dev.py", "run", str(port)],  # a bare port: 127.0.0.1
            cwd=PROJECT_ROOT,
            env=developer_environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is not free" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        ("8001", ("127.0.0.1", 8001)),
        ("0.0.0.0:8000", ("0.0.0.0", 8000)),
        ("[::1]:8002", ("::1", 8002)),
        ("localhost:9000", ("localhost", 9000)),
    ],
)
def test_run_takes_runserver_address_forms(given, parsed):
    assert dev.parse_address(given) == parsed


@pytest.mark.parametrize("given", ["", "host", "host:", ":80", "127.0.0.1:99999", "1:x"])
def test_run_refuses_an_address_it_cannot_read(given):
    with pytest.raises(ValueError, match="is not HOST:PORT"):
        dev.parse_address(given)


def test_an_unreadable_address_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "dev.py", "run", "nowhere:"],
        cwd=PROJECT_ROOT,
        env=developer_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert (result.returncode, result.stderr) == (
        2,
        "dev.py: 'nowhere:' is not HOST:PORT (e.g. 127.0.0.1:8001) or a port.\n",
    )
    assert list(tmp_path.iterdir()) == []
