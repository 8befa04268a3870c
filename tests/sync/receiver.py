"""A local stand-in for Cổng DVCQG's sync endpoint: validates each body against dvcqg_outbox.schema.json, keeps
what it received once per idempotency key, and misbehaves on request (drops the connection, answers 500, stores a
record then drops the connection so that the next attempt is a duplicate)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema

from cchc.sync.service import SCHEMA_PATH

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
OK, DROP, FAIL, STORE_THEN_DROP = "ok", "drop", "500", "store_then_drop"


class Receiver:
    def __init__(self, token: str = "bi-mat-thu", script: list[str] | None = None):
        self.token = token
        self.script = list(script or [])  # one behaviour per request, then OK
        self.lock = threading.Lock()
        self.received: dict[str, dict] = {}  # idempotency key → body, once
        self.order: dict[str, list[int]] = defaultdict(list)  # dossier code → SoThuTu as first received
        self.requests = 0
        self.duplicates = 0
        self.invalid: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                receiver.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dongbo"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, h, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def handle(self, h) -> None:
        raw = h.rfile.read(int(h.headers.get("Content-Length", "0")))
        with self.lock:
            self.requests += 1
            behaviour = self.script.pop(0) if self.script else OK
            if h.headers.get("Authorization") != f"Bearer {self.token}":
                return self._answer(h, 401, {"error_code": "401", "message": "Sai mã xác thực"})
            if behaviour == DROP:
                h.close_connection = True
                return None
            if behaviour == FAIL:
                return self._answer(h, 500, {"error_code": "99", "message": "Lỗi máy chủ"})
            body = json.loads(raw)
            try:
                jsonschema.validate(body, SCHEMA)
            except jsonschema.ValidationError as exc:
                self.invalid.append(exc.message)
                return self._answer(h, 400, {"error_code": "01", "message": exc.message})
            key = body["MaDongBo"]
            if key in self.received:
                self.duplicates += 1
                return self._answer(h, 409, {"error_code": "02", "reference": f"DVCQG-{body['SoThuTu']}",
                                             "message": "Đã nhận"})
            self.received[key] = body
            self.order[body["HoSo"]["MaHoSo"]].append(body["SoThuTu"])
            if behaviour == STORE_THEN_DROP:
                h.close_connection = True
                return None
            return self._answer(h, 200, {"error_code": "00", "reference": f"DVCQG-{body['SoThuTu']}"})
