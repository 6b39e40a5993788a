"""Custom domains over HTTPS: a verified domain is served by its service's stand-in app with a certificate
for its name (signed by the sandbox CA); an unverified or unknown name gets no certificate and a 404."""
from __future__ import annotations

import ssl
from typing import Any

import pytest

from conftest import Sandbox


def https_get(sbx: Sandbox, host: str, path: str = "/health", verify: bool = True) -> tuple[int, dict, Any]:
    return sbx.https(host, path, verify=verify)


def add_domain(sbx: Sandbox, service_id: str, name: str) -> list[dict]:
    answer = sbx.render("POST", f"/services/{service_id}/custom-domains", json={"name": name})
    assert answer.status_code == 201, answer.text
    return answer.json()


def verify(sbx: Sandbox, service_id: str, name: str) -> None:
    assert sbx.render("POST", f"/services/{service_id}/custom-domains/{name}/verify").status_code == 202


def mark_dns(sbx: Sandbox, *names: str) -> None:
    sbx.control("POST", "/render/dns", json={"records": dict.fromkeys(names, True)})


def test_a_verified_domain_is_served_by_its_service_over_https(sbx: Sandbox) -> None:
    api = sbx.create_service("shop-api")
    other = sbx.create_service("shop-admin")
    add_domain(sbx, api["id"], "api.shop.example")
    add_domain(sbx, other["id"], "admin.shop.example")
    mark_dns(sbx, "api.shop.example", "admin.shop.example")
    verify(sbx, api["id"], "api.shop.example")
    verify(sbx, other["id"], "admin.shop.example")

    status, _headers, body = https_get(sbx, "api.shop.example")
    assert status == 200 and body["service"] == "shop-api"
    assert https_get(sbx, "admin.shop.example")[2]["service"] == "shop-admin"
    # Each request is the stand-in app's, logged under apps.
    assert [e["path"] for e in sbx.log(vendor="apps")][-2:] == ["/apps/shop-api/health", "/apps/shop-admin/health"]


def test_an_unverified_domain_has_no_certificate_and_no_app(sbx: Sandbox) -> None:
    api = sbx.create_service("shop-api")
    add_domain(sbx, api["id"], "api.shop.example")
    verify(sbx, api["id"], "api.shop.example")  # no DNS record: stays unverified
    with pytest.raises(ssl.SSLCertVerificationError, match="api.shop.example"):
        https_get(sbx, "api.shop.example")
    assert https_get(sbx, "api.shop.example", verify=False)[0] == 404


def test_a_name_no_service_has_is_refused(sbx: Sandbox) -> None:
    mark_dns(sbx, "nobody.example")
    with pytest.raises(ssl.SSLCertVerificationError):
        https_get(sbx, "nobody.example")
    status, _headers, body = https_get(sbx, "nobody.example", verify=False)
    assert status == 404 and "nobody.example" in body["message"]


def test_the_www_twin_redirects_to_the_apex(sbx: Sandbox) -> None:
    web = sbx.create_service("shop-web")
    add_domain(sbx, web["id"], "shop.example")  # Render adds www.shop.example redirecting to it
    mark_dns(sbx, "shop.example", "www.shop.example")
    verify(sbx, web["id"], "shop.example")
    verify(sbx, web["id"], "www.shop.example")
    status, headers, _body = https_get(sbx, "www.shop.example", "/health?full=1")
    assert status == 301 and headers["Location"] == "https://shop.example/health?full=1"
    assert https_get(sbx, "shop.example")[0] == 200


def test_a_removed_domain_is_no_longer_served(sbx: Sandbox) -> None:
    api = sbx.create_service("shop-api")
    add_domain(sbx, api["id"], "api.shop.example")
    mark_dns(sbx, "api.shop.example")
    verify(sbx, api["id"], "api.shop.example")
    assert https_get(sbx, "api.shop.example")[0] == 200
    assert sbx.render("DELETE", f"/services/{api['id']}/custom-domains/api.shop.example").status_code == 204
    assert https_get(sbx, "api.shop.example", verify=False)[0] == 404
