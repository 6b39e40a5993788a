"""Verify the web phase for the RekindlePro stack: the health-check path, the verified custom domain, HTTPS
on it with a certificate for its name, and modules that find nothing left to change.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import http.client
import json
import socket
import ssl
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import env, sandbox_state, service, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()

WEB = "rekindlepro-api"
DOMAIN = "api.rekindlepro.example"


def https_health(host_name: str) -> tuple[int, dict]:
    """GET https://<host_name>/health through the sandbox's listener for custom domains (the name in SNI
    and Host, the certificate checked against the sandbox CA, as curl --connect-to does)."""
    address, _colon, port = env("LAUNCHKIT_SANDBOX_APPS_TLS").rpartition(":")
    context = ssl.create_default_context(cafile=env("LAUNCHKIT_SANDBOX_CA"))
    connection = http.client.HTTPConnection(host_name, timeout=10)
    connection.sock = context.wrap_socket(socket.create_connection((address, int(port)), timeout=10),
                                          server_hostname=host_name)
    try:
        connection.request("GET", "/health", headers={"Host": host_name})
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def test_the_health_check_path_is_set():
    assert service(sandbox_state(), WEB)["serviceDetails"]["healthCheckPath"] == "/health"


def test_the_domain_is_the_only_one_and_verified():
    domains = sandbox_state()["vendors"]["render"]["custom_domains"]
    web_id = service(sandbox_state(), WEB)["id"]
    assert [(d["name"], d["serviceId"], d["verificationStatus"]) for d in domains] == [(DOMAIN, web_id, "verified")]


def test_https_on_the_domain_reaches_the_service():
    status, body = https_health(DOMAIN)
    assert status == 200 and body["service"] == WEB, (status, body)


def test_the_domain_is_unchanged_in_check_mode(host):
    result = host.ansible("launchkit.paas.render_custom_domain", f"service={WEB} name={DOMAIN} verify=true",
                          check=True)
    assert result["changed"] is False, result
    assert [(d["name"], d["verification_status"]) for d in result["domains"]] == [(DOMAIN, "verified")]


def test_the_path_is_unchanged_in_check_mode(host):
    result = host.ansible("launchkit.paas.render_service", f"name={WEB} health_check_path=/health", check=True)
    assert result["changed"] is False and result["action"] == "none", result
