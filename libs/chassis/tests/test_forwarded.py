"""X-Forwarded-* believed from trusted proxies only."""
from __future__ import annotations

import pytest
from flask import Flask, jsonify, request

from chassis.forwarded import TrustedForwarded, TrustedProxies


@pytest.fixture
def client():
    app = Flask("forwarded")

    @app.get("/who")
    def who():
        return jsonify(addr=request.remote_addr, scheme=request.scheme, host=request.host)
    app.wsgi_app = TrustedForwarded(app.wsgi_app, TrustedProxies(["127.0.0.1/32", "10.0.0.0/8"]))
    return app.test_client()


def test_a_trusted_peer_names_the_client_scheme_and_host(client):
    seen = client.get("/who", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={
        "X-Forwarded-For": "203.0.113.9, 10.0.0.5", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "shop.example"}).get_json()
    assert seen == {"addr": "203.0.113.9", "scheme": "https", "host": "shop.example"}


def test_an_untrusted_peer_is_the_client_whatever_it_claims(client):
    seen = client.get("/who", environ_base={"REMOTE_ADDR": "198.51.100.1"}, headers={
        "X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
        base_url="http://api.example").get_json()
    assert seen == {"addr": "198.51.100.1", "scheme": "http", "host": "api.example"}


def test_a_spoofed_hop_left_of_the_client_is_ignored():
    proxies = TrustedProxies(["10.0.0.0/8"])
    environ = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}
    assert proxies.client_address(environ) == "203.0.113.9"
    assert not TrustedProxies([]).trusts("127.0.0.1")
