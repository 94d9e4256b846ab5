"""gunicorn settings for examsvc (``gunicorn -c gunicorn.conf.py wsgi:app``).

Every value can be changed by the environment, so one file serves the bench and a real sitting:

| variable | meaning | default |
| --- | --- | --- |
| EXAMSVC_BIND | address to listen on (behind nginx: a local port or a unix socket) | 127.0.0.1:8000 |
| EXAMSVC_WORKERS | worker processes | 2 per core |
| EXAMSVC_THREADS | threads per worker (``gthread`` when above 1) | 1 |

The workers keep nothing that matters in memory (deadlines, locks and throttles live in the
database or Redis), so any worker of any host may serve any request. Sync workers suit the service:
every request is short and does its waiting in the database; nginx in front buffers slow phones,
which is what sync workers need (https://docs.gunicorn.org/en/stable/design.html).
"""

import gc
import multiprocessing
import os

bind = os.environ.get("EXAMSVC_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("EXAMSVC_WORKERS", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("EXAMSVC_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# A save or submit never takes this long; a worker stuck longer is restarted, and the page retries.
timeout = 30
graceful_timeout = 20
# Keep-alive behind nginx saves a TCP handshake per autosave.
keepalive = 5
# Workers are replaced now and then so that a slow leak cannot build up over a long sitting.
max_requests = 20000
max_requests_jitter = 2000
accesslog = os.environ.get("EXAMSVC_ACCESS_LOG") or None


def post_worker_init(worker):
    """Once a worker has loaded the app, it checks that it may serve its database
    (``examsvc.serving_checks``: the schema fully migrated, EXAMSVC_ID_KEY the one the stored ID
    numbers were sealed with); a worker that may not fails to boot, which stops gunicorn with the
    reason in its log. Then its objects so far (modules, mappers, compiled statements: some 200,000)
    are moved out of the garbage collector's reach (``gc.freeze``): they live as long as the worker
    anyway, and every full collection walked them all, about 1 ms per hand-in on average measured
    by ``bench.bursts`` (issue 7). Objects made by requests are collected as before."""
    from examsvc import database, serving_checks

    if database.serves(worker.wsgi):  # not the bench's bare app, which shares this file
        serving_checks.refuse_unless_ready(worker.wsgi)
    gc.freeze()
