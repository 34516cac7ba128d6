"""gunicorn settings for production; every value can be set from the environment."""

import gc
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # PDFs of large plans take seconds
graceful_timeout = 30
# Recycle workers now and then, but rarely: a new worker starts Django again (a second
# or more of CPU) with nothing kept (plans.stamps), so at 1,000 requests a busy
# server spent much of its time starting workers and working out again what it had.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50_000))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "bcfplans.wsgi:application"


def post_worker_init(worker):
    """Once the worker has loaded Django, set everything loaded so far aside from the
    garbage collector: a full collection otherwise walked every module, model and
    compiled query at each pass, a 100 to 130 ms pause every few requests on the
    overview (bench/run.py's row after one plan's change, p95 against p50)."""
    gc.collect()
    gc.freeze()
