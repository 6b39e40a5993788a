# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # How a module that reads an app's page sends its request: the options http_check's fetch takes
    # (plugins/module_utils/http_check/check.py, FETCH_OPTIONS).
    DOCUMENTATION = r"""
options:
  headers:
    description: Request headers. Their values are never logged, as they often carry tokens.
    type: dict
  timeout:
    description: Seconds to wait for each answer.
    type: float
    default: 10
  retries:
    description: How many more times to send the request while it fails (no answer, another status, a failed check).
    type: int
    default: 0
  delay:
    description: Seconds to wait between attempts.
    type: float
    default: 2
  validate_certs:
    description: Verify the server certificate of an C(https://) URL.
    type: bool
    default: true
  ca_path:
    description: A CA bundle to verify the server certificate with.
    type: path
  connect_to:
    description:
      - Send requests for a host and port to another address, as curl's C(--connect-to) does; each entry is
        C(HOST:PORT:CONNECT_HOST:CONNECT_PORT), where an empty HOST or PORT matches any and an empty
        CONNECT_HOST or CONNECT_PORT keeps the request's own.
      - The request still names its URL's host in its C(Host) header, as its TLS server name (SNI), and as
        the name its certificate must carry (O(validate_certs), O(ca_path)).
      - For a name that does not resolve yet, or a rehearsal against a local stand-in, for example
        V(api.example.com:443:127.0.0.1:8443). The first matching entry wins.
    type: list
    elements: str
"""
