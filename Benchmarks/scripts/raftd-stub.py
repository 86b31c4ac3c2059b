#!/usr/bin/env python3
"""raftd-stub.py: a stand-in for raftd's HTTP API, only to check cluster-bench's raftd mode (leader
discovery, setup, every workload's requests, redirect counting) while raftd itself does not exist.
It is not raftd: in memory, single process, no Raft, no lease expiry; its speed means nothing.

    raftd-stub.py PORT                      a leader on 127.0.0.1:PORT
    raftd-stub.py PORT --leader HOST:PORT   a follower: /status names that leader, writes and
                                            non-stale reads answer 307 to it, stale reads answer here
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

port = int(sys.argv[1])
leader = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--leader" else None
me = f"127.0.0.1:{port}"
lock = threading.Lock()
keys = {}
leases = {}  # id -> {"name", "ttl", "keys": {key: data}}
next_id = [1 << 40]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm holds the body
    # back until the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def handle_any(self, method):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        data = self.body()
        if url.path == "/status":
            status = {"id": me, "state": "Follower" if leader else "Leader", "leaderAddr": leader or me}
            return self.reply(200, json.dumps(status).encode())
        stale = query.get("level") == ["stale"]
        if leader and not (method == "GET" and stale):
            return self.reply(307, b"", headers=[("Location", f"http://{leader}{self.path}")])
        with lock:
            if url.path.startswith("/key/"):
                key = url.path[len("/key/"):]
                if method == "PUT":
                    keys[key] = data
                    return self.reply(200)
                if method == "GET":
                    if key in keys:
                        return self.reply(200, keys[key], "application/octet-stream")
                    return self.reply(404, b'{"error":"not found"}')
            if url.path == "/lease/grant" and method == "POST":
                next_id[0] += 1
                leases[next_id[0]] = {"name": query["name"][0], "ttl": int(query["ttl"][0]), "keys": {}}
                return self.reply(200, str(next_id[0]).encode(), "text/plain")
            if url.path.startswith("/lease/keepalive/") and method == "POST":
                lease = leases.get(int(url.path.rsplit("/", 1)[1]))
                if lease is None:
                    return self.reply(404, b'{"error":"no lease"}')
                form = parse_qs(data.decode())
                lease["keys"][form["key"][0]] = form["data"][0]
                return self.reply(200, b"null")
            if url.path.startswith("/lease/kv/") and method == "POST":
                key = url.path[len("/lease/kv/"):]
                prefix = parse_qs(data.decode())["prefix"][0]
                found = [d for lease in leases.values() if lease["name"].startswith(prefix)
                         for k, d in lease["keys"].items() if k.startswith(key)]
                return self.reply(200, json.dumps(found).encode())
        return self.reply(404, b'{"error":"no route"}')

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # cluster-bench closes its connections at the end of each run, requests in flight.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


Server(("127.0.0.1", port), Handler).serve_forever()
