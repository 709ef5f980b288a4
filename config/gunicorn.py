"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Processes rather than threads: a request is CPU-bound Python, and threads of one process
share one interpreter lock.

Sync workers, one request at a time per process. A sync worker calls accept() only when it
is idle, so the processes share one queue (the listening socket's backlog) and each
request goes to whichever process frees up first. The threaded worker accepted connections
on its own and kept each keep-alive connection in the process that accepted it: every
process grew its own queue, and a request stuck behind a busy process waited while
another one idled. At 50 closed-loop submitters on 4 processes (bench/staff_load.py) that
made the tail: p99 1.0–1.2 s against a mean of ~300 ms.

A sync worker must sit behind a buffering proxy (nginx, as deployed: DESIGN §3), which
absorbs slow clients; it keeps no connection alive, which costs one local TCP connect per
request. `timeout` is then a per-request limit: a request still running after it is killed
and the process replaced. Every value can be overridden from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
backlog = 2048
keepalive = 30  # used only by a threaded or async worker class set from the environment
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # the yearly report and big ledgers
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
