"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Processes rather than threads: a request is CPU-bound Python, and threads of one process
share one interpreter lock. Two threads keep a database wait from idling a process.

One shared queue. A process takes a connection only when one of its threads is free
(`worker_connections` = `threads`) and closes it after the response (`keepalive` 0), so
every request waits in the listening socket's backlog and goes to the first process with
a free thread. With keep-alive and 1,000 connections per process (gunicorn's defaults)
each process accepted connections by itself and kept them: each grew its own queue, and a
request behind a busy process waited while another process idled. At 50 closed-loop
submitters on 4 processes (bench/staff_load.py) that made the tail, p99/p50 up to 6; with
one shared queue it stays at 1.3–1.7. Keep-alive belongs to the proxy in front (nginx, as
deployed: DESIGN §3), which also absorbs slow clients. Every value can be overridden from
the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_connections = threads  # take a connection only with a thread free to serve it
backlog = 2048
keepalive = 0  # the shared queue needs every request to come through accept()
timeout = 60
graceful_timeout = 30
max_requests = 5000  # recycle workers now and then (memory held by big imports)
max_requests_jitter = 500
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = "-"


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Once the worker has loaded Django, move everything it allocated so far out of the
    garbage collector's sight (gc.freeze): those objects live as long as the process, and
    scanning them in every full collection shows up as latency spikes under load."""
    import gc

    gc.collect()
    gc.freeze()
