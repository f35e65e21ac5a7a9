"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py "app:create_app()"`.

Every number comes from the environment, with defaults for a small host:
- GUNICORN_BIND (default 127.0.0.1:8000; behind the load balancer's proxy),
- WEB_CONCURRENCY: worker processes (default: 2 per core, at most 8),
- GUNICORN_THREADS: threads per worker (default 4; a request mostly waits on the
  database, the SMS gateway or the password hash),
- GUNICORN_TIMEOUT: seconds before a stuck worker is replaced (default 30),
- FORWARDED_ALLOW_IPS: the proxy allowed to say the request came over HTTPS (default
  127.0.0.1). The app itself trusts TRUSTED_PROXIES hops of X-Forwarded-* (ProxyFix).
Requests are logged by the app (one JSON line each), not by gunicorn.

Messages are sent by the worker, not by these processes: run
`python -m services.worker -k thread -w 4` beside them with the same environment
(one per host, or two in all for redundancy; README, «Messages: the queue and the worker»).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(8, 2 * multiprocessing.cpu_count())))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own lines (booting, workers, «Error handling request») and any other logger of
# the master: one JSON line each on stderr, like the app's (services/audit_log.py; the
# formatter follows LOG_FORMAT, its free text scrubbed). The access log stays off.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"moncompte": {"()": "services.audit_log.make_formatter"}},
    "handlers": {"stderr": {"()": "services.audit_log.stderr_handler",
                            "formatter": "moncompte"}},
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
# Limits on what a client may send before the app sees it.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190


def on_starting(server):
    """Before any worker starts: refuse settings that cannot hold across several worker
    processes (limits in each process's memory), with the same words as the app's own
    checks; and tell the workers how many they are (services/config.py)."""
    from services.config import ConfigError, check_processes

    os.environ["WORKER_PROCESSES"] = str(server.cfg.workers)
    if os.environ.get("APP_ENV") == "production":
        try:
            check_processes({"RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI",
                                                                      "memory://")},
                            server.cfg.workers)
        except ConfigError as error:
            raise SystemExit(f"Refusing to start: {error}") from None
