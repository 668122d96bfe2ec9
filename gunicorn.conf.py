"""Gunicorn settings for `web` (read from the working directory by `gunicorn app:app`).

Threaded workers: a webhook delivery spends most of its time waiting for PostgreSQL's commit
(fsync) and Redis, so four threads per process keep the CPU busy while others wait. The
worker count comes from the command line (`--workers ${WEB_CONCURRENCY:-2}` in the Procfile).
"""

worker_class = "gthread"
threads = 4
