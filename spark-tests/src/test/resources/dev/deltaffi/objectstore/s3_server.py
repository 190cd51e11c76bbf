"""moto's S3 API on a free loopback port, recording every request it receives.

S3Server.java starts it with moto on PYTHONPATH. Once it listens it prints "port N" on
standard output. Besides the S3 API it answers one path of its own, which no bucket can
have (bucket names never start with "_"), and which it does not record:

  GET    /_requests  the requests received since the last reset, as a JSON array of
                     [method, path, query string, Range header] in arrival order
  DELETE /_requests  forgets them

A request is recorded when it arrives, before moto answers it, so a client that has its
answer always finds its request recorded. The server stops on SIGTERM, when the process
that started it is gone, or after --max-seconds.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

RECORDER_PATH = "/_requests"


class RequestHandler(MotoRequestHandler):
    """moto's handler, sending one "100 Continue" where it sent two.

    Python's http.server answers "Expect: 100-continue" while it parses the request, and
    werkzeug answers it again before it hands the body to the application: a client that
    sent the header (the AWS SDK does for every PutObject) reads the second interim answer
    as the final one, status 100, and fails or waits for a timeout.
    """

    def handle_expect_100(self):
        return True


class Recording:
    """A WSGI middleware in front of moto that keeps the requests it passes on."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.requests = []

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if path == RECORDER_PATH:
            return self.recorder(method, start_response)
        with self.lock:
            self.requests.append(
                [
                    method,
                    path,
                    environ.get("QUERY_STRING", ""),
                    environ.get("HTTP_RANGE", ""),
                ]
            )
        return self.app(environ, start_response)

    def recorder(self, method, start_response):
        with self.lock:
            if method == "DELETE":
                self.requests = []
                body = b"[]"
            elif method == "GET":
                body = json.dumps(self.requests).encode("utf-8")
            else:
                start_response("405 Method Not Allowed", [("Content-Length", "0")])
                return [b""]
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]


def stop_when_orphaned_or_late(parent, deadline):
    while True:
        if os.getppid() != parent or time.monotonic() > deadline:
            os._exit(0)
        time.sleep(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-seconds", type=float, default=3600)
    args = parser.parse_args()

    server = make_server(
        "127.0.0.1",
        0,
        Recording(DomainDispatcherApplication(create_backend_app)),
        threaded=True,
        request_handler=RequestHandler,
    )
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    threading.Thread(
        target=stop_when_orphaned_or_late,
        args=(os.getppid(), time.monotonic() + args.max_seconds),
        daemon=True,
    ).start()
    print(f"port {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
