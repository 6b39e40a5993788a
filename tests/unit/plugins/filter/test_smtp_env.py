# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""smtp_env: SendGrid's relay settings under the app's env names, every bad input named before any write."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.smtp_env import FilterModule, smtp_env

NAMES = {"address": "SMTP_ADDRESS", "port": "SMTP_PORT", "username": "SMTP_USERNAME", "password": "SMTP_PASSWORD",
         "starttls": "SMTP_ENABLE_STARTTLS_AUTO"}


def test_the_defaults_give_every_setting_and_copy_the_key_into_the_password():
    assert smtp_env(NAMES, "smtp.sendgrid.net", 587, True, "SENDGRID_API_KEY") == {
        "env": {"SMTP_ADDRESS": "smtp.sendgrid.net", "SMTP_PORT": "587", "SMTP_USERNAME": "apikey",
                "SMTP_ENABLE_STARTTLS_AUTO": "true"},
        "copy": {"SMTP_PASSWORD": "SENDGRID_API_KEY"}}


def test_only_the_settings_named_are_written_and_a_string_port_is_read():
    assert smtp_env({"password": "MAIL_PASSWORD", "port": "MAIL_PORT"}, "127.0.0.1", "2525", False, "SENDGRID_API_KEY") == {
        "env": {"MAIL_PORT": "2525"}, "copy": {"MAIL_PASSWORD": "SENDGRID_API_KEY"}}


def test_a_password_read_from_the_api_key_itself_needs_no_copy():
    result = smtp_env({"address": "SMTP_ADDRESS", "password": "SENDGRID_API_KEY"}, "smtp.sendgrid.net", 587, True,
                      "SENDGRID_API_KEY")
    assert result == {"env": {"SMTP_ADDRESS": "smtp.sendgrid.net"}, "copy": {}}


def test_starttls_false_is_written_as_false_and_465_is_allowed_without_starttls():
    result = smtp_env({"port": "SMTP_PORT", "starttls": "SMTP_TLS"}, "smtp.sendgrid.net", 465, False, "SENDGRID_API_KEY")
    assert result["env"] == {"SMTP_PORT": "465", "SMTP_TLS": "false"}


@pytest.mark.parametrize("names, host, port, starttls, scopes, message", [
    ({}, "smtp.sendgrid.net", 587, True, ["mail.send"], "must map one or more of address, port"),
    ({"server": "SMTP_SERVER"}, "smtp.sendgrid.net", 587, True, ["mail.send"], "unknown setting server"),
    ({"port": "SMTP-PORT"}, "smtp.sendgrid.net", 587, True, ["mail.send"], "not an env name (port: 'SMTP-PORT')"),
    ({"port": "1PORT"}, "smtp.sendgrid.net", 587, True, ["mail.send"], "not an env name"),
    ({"address": "SMTP", "port": "SMTP"}, "smtp.sendgrid.net", 587, True, ["mail.send"], "address and port share the name SMTP"),
    ({"port": "SENDGRID_API_KEY"}, "smtp.sendgrid.net", 587, True, ["mail.send"], "port would overwrite SENDGRID_API_KEY"),
    ({"port": "SMTP_PORT"}, "smtp.sendgrid.net", 0, True, ["mail.send"], "must be a port number (1-65535), not 0"),
    ({"port": "SMTP_PORT"}, "smtp.sendgrid.net", 65536, True, ["mail.send"], "not 65536"),
    ({"port": "SMTP_PORT"}, "smtp.sendgrid.net", "58x", True, ["mail.send"], "not '58x'"),
    ({"port": "SMTP_PORT"}, "smtp.sendgrid.net", 465, True, ["mail.send"], "465 is SendGrid's implicit-TLS port"),
    ({"port": "SMTP_PORT"}, "smtp://smtp.sendgrid.net", 587, True, ["mail.send"], "must be a host name"),
    ({"port": "SMTP_PORT"}, "", 587, True, ["mail.send"], "must be a host name"),
    ({"port": "SMTP_PORT"}, "smtp.sendgrid.net", 587, True, ["alerts.read"], "must include mail.send"),
])
def test_bad_input_is_named(names, host, port, starttls, scopes, message):
    with pytest.raises(AnsibleFilterError) as failure:
        smtp_env(names, host, port, starttls, "SENDGRID_API_KEY", scopes)
    assert message in str(failure.value)


def test_every_problem_is_named_at_once():
    with pytest.raises(AnsibleFilterError) as failure:
        smtp_env({"address": "MY_KEY", "port": "SMTP_PORT"}, "smtp.sendgrid.net", 0, True, "MY_KEY")
    assert "address would overwrite MY_KEY" in str(failure.value) and "not 0" in str(failure.value)


def test_the_filter_is_registered():
    assert FilterModule().filters() == {"smtp_env": smtp_env}
