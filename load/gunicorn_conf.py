"""gunicorn settings for `make load`: the repo's gunicorn.conf.py exactly as production
reads it (WEB_CONCURRENCY, GUNICORN_THREADS, FORWARDED_ALLOW_IPS… from the environment),
plus no control socket and one hook: which worker process answered each sign-in POST, and with what status,
written to $LOAD_WORKER_LOG, so that the report can show the attacker's tries were spread
over every worker. The app's own logs are untouched.
"""
import os
from pathlib import Path

_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
exec(compile(_CONF.read_text(encoding="utf-8"), str(_CONF), "exec"))  # noqa: S102 - our own file

_WORKER_LOG = os.environ.get("LOAD_WORKER_LOG", "")
# No control socket (~/.gunicorn/gunicorn.ctl): another gunicorn on this machine (make
# bench, a developer's) may use the same path.
control_socket_disable = True


def post_request(worker, req, environ, resp):  # gunicorn's server hook
    if not _WORKER_LOG or req.method != "POST" or req.path != "/connexion":
        return
    line = f"{worker.pid} {resp.status_code} {environ.get('HTTP_X_FORWARDED_FOR', '-')}\n"
    fd = os.open(_WORKER_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one short write with O_APPEND: lines never interleave
    finally:
        os.close(fd)
