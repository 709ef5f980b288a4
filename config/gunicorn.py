"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Processes rather than threads: a request is CPU-bound Python, and threads of one process
share one interpreter lock. On the appeal-submission load test (bench/appeals_load.py,
2 cores, 200 paced clients) 4 processes × 8 threads gave p99 713 ms, 4 × 2 gave 165 ms and
6 × 1 gave 137 ms at the same throughput. Two threads keep a slow client or a database
wait from idling a process. Every value can be overridden from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
backlog = 2048
keepalive = 30
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
