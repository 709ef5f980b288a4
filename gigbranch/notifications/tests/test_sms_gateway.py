"""The production SMS backend against a local HTTP gateway (no network beyond loopback)."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from gigbranch.notifications.sms import HttpGatewaySmsBackend


class Gateway(BaseHTTPRequestHandler):
    received: list = []
    answer = {"ok": True, "id": "m-1"}

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append((body, self.headers["X-Signature"]))
        payload = json.dumps(Gateway.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_SECRET = "gateway-secret"
    Gateway.received = []
    yield server
    server.shutdown()


def test_sends_signed_json_and_reads_the_reference(gateway):
    result = HttpGatewaySmsBackend().send(mobile="13812345678", text="您的验证码是 123456")
    assert result.ok and result.reference == "m-1" and result.backend == "http-gateway"
    body, signature = Gateway.received[0]
    assert json.loads(body) == {
        "mobile": "13812345678",
        "text": "您的验证码是 123456",
        "sign_name": "新就业群体党建",
    }
    assert signature == hmac.new(b"gateway-secret", body, hashlib.sha256).hexdigest()


def test_gateway_refusal_is_a_failed_result_not_an_exception(gateway):
    Gateway.answer = {"ok": False, "error": "号码无效"}
    try:
        result = HttpGatewaySmsBackend().send(mobile="13812345678", text="x")
    finally:
        Gateway.answer = {"ok": True, "id": "m-1"}
    assert not result.ok and result.error == "号码无效"


def test_unreachable_gateway_is_a_failed_result(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    settings.SMS_GATEWAY_SECRET = "x"
    result = HttpGatewaySmsBackend().send(mobile="13812345678", text="x")
    assert not result.ok and result.error
