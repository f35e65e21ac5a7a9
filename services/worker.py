"""The message worker: `python -m services.worker -k thread -w 4`.

It builds the app from the same environment as the web servers (the same QUEUE_URI,
database, gateways and SECRET_KEY) and sends what their requests put in the queue.

It is huey's consumer, with huey's own options (`-k thread -w 4`, `-q`, `-v`, `-m 0.5`…),
started here rather than by `huey_consumer services.worker.huey`: that script adds a
plain-text handler of its own to the «huey» logger once the app is made, so its lines
would not be JSON. Here huey's lines go through the app's logging like every other
logger's: one JSON line each on stderr, free text scrubbed (services/audit_log.py).
"""
from __future__ import annotations

import logging
import sys

from app import create_app
from services.audit_log import configure_logging, make_formatter
from services.queue import huey_of

app = create_app()
huey = huey_of(app)


def main(argv: list[str] | None = None) -> None:
    from huey.consumer_options import ConsumerConfig, OptionParserHandler

    parser = OptionParserHandler().get_option_parser()
    parser.usage = "python -m services.worker [options]"
    options, args = parser.parse_args(argv)
    if args:
        parser.error("no import path: the queue is this app's (services.worker.huey)")
    config = ConsumerConfig(**{k: v for k, v in vars(options).items() if v is not None})
    config.validate()
    configure_logging(app.config["LOG_FORMAT"])
    huey_logger = logging.getLogger("huey")
    huey_logger.setLevel(config.loglevel)
    if config.logfile:  # -l: the same lines, in that file too
        handler = logging.FileHandler(config.logfile)
        handler.setFormatter(make_formatter(app.config["LOG_FORMAT"]))
        huey_logger.addHandler(handler)
    huey.create_consumer(**config.values).run()


if __name__ == "__main__":
    main(sys.argv[1:])
