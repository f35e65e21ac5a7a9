"""The bare Flask route of the throughput comparison: one route that answers with the
exact bytes (body and headers) of a `/connexion` answer captured from the real app in
the same run, so the difference in requests per second is what the app does per request
(session, CSRF token, templates, compression, database), not the size of the answer.

Served by gunicorn with the same settings as the app: `gunicorn bench.bare:app`, with
BENCH_CAPTURE naming the JSON file written by `capture()`.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
from urllib.parse import urlsplit

from flask import Flask, Response

# Set by gunicorn for every answer; everything else is replayed as captured.
SKIPPED = {"date", "server", "connection", "content-length", "transfer-encoding", "keep-alive"}


def capture(url: str, request_headers: dict[str, str], path: str) -> dict:
    """GET `url` as the load client does and write the answer, bytes as they came on the
    wire (still compressed), to `path` (for BENCH_CAPTURE)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path, headers=request_headers)
        answer = connection.getresponse()
        body = answer.read()
        data = {"status": answer.status,
                "headers": [(k, v) for k, v in answer.getheaders() if k.lower() not in SKIPPED],
                "body": base64.b64encode(body).decode()}
    finally:
        connection.close()
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out)
    return {"status": data["status"], "body_bytes": len(body),
            "header_bytes": sum(len(k) + len(v) + 4 for k, v in data["headers"])}


def create_app(path: str) -> Flask:
    with open(path, encoding="utf-8") as source:
        captured = json.load(source)
    body = base64.b64decode(captured["body"])
    headers = [tuple(h) for h in captured["headers"]]
    status = captured["status"]
    bare = Flask(__name__)

    @bare.get("/connexion")
    def connexion() -> Response:
        return Response(body, status=status, headers=headers)

    return bare


app = create_app(os.environ["BENCH_CAPTURE"]) if os.environ.get("BENCH_CAPTURE") else None
