"""gunicorn's settings for the web process: `gunicorn -c gunicorn.conf.py config.wsgi`.

gunicorn also reads this file by itself when started in the project's folder; options
on its command line win over it. Each value the environment may change is in the
README's environment table (tests/deploy/test_environment_table.py keeps them in step).
"""

import os
import shutil
import tempfile
from pathlib import Path

# The web process runs the production settings unless told otherwise (config/wsgi.py's
# default too). Set before anything of `config` is imported: the package loads the Celery
# app, whose own default is the development settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from config.logs import gunicorn_logging_config

# Every address of the host or container: the load balancer or orchestrator reaches it.
bind = [f"0.0.0.0:{int(os.environ.get('PORT', '8000'))}"]


def _cores() -> int:
    # The cores this process may run on (a container's cpuset), not the machine's.
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


# Synchronous workers, each one request at a time: a request spends most of its time in
# PostgreSQL or Redis, so gunicorn's 2 x cores + 1 keeps the cores busy meanwhile. Each
# worker holds one database connection: workers x instances must fit PostgreSQL's
# max_connections (with the Celery workers' own).
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * _cores() + 1)))
# Above 1, each worker serves that many requests at once in threads (gthread).
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# A worker silent this long is killed and replaced: a request that hangs (the database's
# statement timeout, 5 s, bounds each query; outbound calls have their own) frees its
# worker instead of holding it for good. Staff's CSV export of a large selection streams
# and must finish within it.
timeout = 30
# On SIGTERM (a deploy), workers finish their requests for up to this long, then are
# killed. Orchestrators should wait longer than this before their own SIGKILL.
graceful_timeout = 30
# Idle keep-alive connections (gthread only; sync workers close each one) are kept
# longer than load balancers keep theirs (often 60 s), so the balancer, never gunicorn,
# closes one: no request sent on a connection being closed.
keepalive = 75
# Workers are replaced after about this many requests each (the jitter spreads the
# restarts), so memory a worker gathers over days is given back. High enough that a busy
# instance does not spend its CPU starting Django: at 100 requests/s a worker lives
# over 3 minutes, and each start costs about a second of one core.
max_requests = 20_000
max_requests_jitter = 2_000

# The workers' heartbeat files on memory, not on a disk that may stall (containers' /tmp
# is often an overlay on disk).
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

# The application logs one structured line per request itself: no second access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# gunicorn's own lines in the application's format (config/logs.py): JSON by default, as
# the production settings' are, so the web process writes nothing but JSON lines.
logconfig_dict = gunicorn_logging_config(
    log_format=os.environ.get("LOG_FORMAT", "json").strip().lower(), level=loglevel.upper()
)

# Whose X-Forwarded-Proto gunicorn believes: nobody's by default. Django alone decides
# whether a request came over HTTPS (SECURE_PROXY_SSL_HEADER) and which address a client
# has (NUM_PROXIES), each from what the operator set; gunicorn trusting a second list
# would be a second, easily forgotten, door. Headers still reach Django unchanged.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")

# Each worker imports the application after the fork (no preload): connections, thread
# pools and Sentry's sending thread are made in the process that uses them.
preload_app = False

# gunicornc's control socket is one fixed path per user: two instances on a host (a
# blue/green deploy, a benchmark beside a test) would fight over it. Signals do its job.
control_socket_disable = True

# Prometheus metrics in multiprocess mode: every worker writes its metrics to files in
# this folder and /metrics adds them up. It must be in the environment before a worker
# imports prometheus_client, hence here, before any worker starts. A folder of its own
# (emptied at each start): by default a fresh one under the system's temporary folder.
_CONFIGURED_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
PROMETHEUS_MULTIPROC_DIR = _CONFIGURED_DIR or tempfile.mkdtemp(prefix="inventory-prometheus-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_MULTIPROC_DIR


def on_starting(server) -> None:
    """Before the first worker: the files of a previous run's workers would be added up
    with this run's (counters that never went back to zero)."""
    folder = Path(PROMETHEUS_MULTIPROC_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    """A worker is gone (replaced, killed, crashed): its live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, PROMETHEUS_MULTIPROC_DIR)


def on_exit(server) -> None:
    """A folder made for this run goes with it (a configured one is left in place)."""
    if not _CONFIGURED_DIR:
        shutil.rmtree(PROMETHEUS_MULTIPROC_DIR, ignore_errors=True)
