"""HTTP inference server: POST /diagnosis/step1/ {"image_url": "..."} -> {"success": true, "data": {...}}."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app import model as diagnosis

MODEL = diagnosis.load()
MAX_BODY = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    server_version = "sample-ai/1.0"

    def _send(self, status, payload):
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            self._send(200, {"status": "ok", "model": MODEL.get("version", "unknown")})
        else:
            self._send(404, {"success": False, "error": "not found"})

    def do_POST(self):
        if self.path.rstrip("/") != "/diagnosis/step1":
            self._send(404, {"success": False, "error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            self._send(400, {"success": False, "error": "a JSON body with image_url is required"})
            return
        try:
            request = json.loads(self.rfile.read(length))
        except ValueError:
            self._send(400, {"success": False, "error": "the body is not JSON"})
            return
        image_url = request.get("image_url") if isinstance(request, dict) else None
        if not isinstance(image_url, str) or not image_url:
            self._send(400, {"success": False, "error": "image_url must be a non-empty string"})
            return
        self._send(200, {"success": True, "data": diagnosis.predict(MODEL, image_url)})

    def log_message(self, fmt, *args):
        print(f"{self.address_string()} {fmt % args}", flush=True)


def main():
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"listening on :{port} (model {MODEL.get('version', 'unknown')})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
