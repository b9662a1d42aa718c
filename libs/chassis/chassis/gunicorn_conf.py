"""gunicorn settings shared by every web process (``-c python:chassis.gunicorn_conf``)."""
import multiprocessing
import os

from chassis.metrics import mark_process_dead, prepare_multiprocess_dir

workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8)))
threads = int(os.environ.get("WEB_THREADS", 1))
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", 30))
keepalive = 5
accesslog = None  # the chassis logs each request itself, as JSON with ids
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "warning")
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        prepare_multiprocess_dir(directory)


def child_exit(server, worker):
    mark_process_dead(worker.pid)
