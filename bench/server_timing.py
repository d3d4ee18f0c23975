"""The project's WSGI application, answering with the time it spent on each request.

For the benchmarks that report server time (bench/bench_outgoing.py): gunicorn serves
`bench.server_timing:application`, which adds `X-Server-Time: <ms>` to every answer,
measured from the call into Django to the start of the answer (the view, middleware,
authentication and the answer's JSON encoding; not gunicorn's parsing or the network).
"""

from __future__ import annotations

import time

from config.wsgi import application as django_application


def application(environ, start_response):
    started = time.perf_counter()

    def timed_start_response(status, headers, exc_info=None):
        elapsed_ms = (time.perf_counter() - started) * 1000
        return start_response(status, [*headers, ("X-Server-Time", f"{elapsed_ms:.3f}")], exc_info)

    return django_application(environ, timed_start_response)
