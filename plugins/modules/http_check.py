#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: http_check
short_description: Send one HTTP request and assert on its status and body (smoke tests)
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Sends one request to O(url) and checks the status code, JSON values picked by JMESPath queries, and
    texts the body must contain (for example metric names on a C(/metrics) page).
  - With O(retries), sends the request again after O(delay) seconds until every check passes, for an app
    that is still starting.
  - Never reports a change; it only reads. A request with a method other than GET, HEAD or OPTIONS is not
    sent in check mode unless O(run_in_check_mode=true).
  - The failure message names the URL without its user info and with secret-looking query values masked,
    the expected and actual status, and each failed assertion.
extends_documentation_fragment:
  - launchkit.paas.attributes
  - launchkit.paas.http_fetch
attributes:
  check_mode:
    support: full
    details: GET, HEAD and OPTIONS requests are sent in check mode; other methods are skipped unless
      O(run_in_check_mode=true).
  diff_mode:
    support: N/A
    details: This module makes no changes.
options:
  url:
    description: The URL to request.
    type: str
    required: true
  method:
    description: The HTTP method.
    type: str
    default: GET
  body:
    description: The request body; with O(body_format=json) any value that serialises to JSON.
    type: raw
  body_format:
    description: V(json) sends O(body) as JSON with its content type; V(raw) sends O(body) text as it is.
    type: str
    choices: [json, raw]
    default: json
  status_code:
    description: The status codes that count as success.
    type: list
    elements: int
    default: [200]
  json:
    description:
      - Assertions on the JSON body. Each has a O(json[].query) and exactly one test.
      - A query that finds nothing (or a JSON null) gives null; to assert that, use O(json[].exists=false).
    type: list
    elements: dict
    suboptions:
      query:
        description: A JMESPath expression over the parsed body, for example C(checks.redis.status).
        type: str
        required: true
      equals:
        description: The value must equal this (type included, so V(1) is not V("1")).
        type: raw
      contains:
        description: The value (a string, a list or an object's keys) must contain this.
        type: raw
      exists:
        description: V(true) when the query must find a value, V(false) when it must not.
        type: bool
      matches:
        description: A regular expression the value (a string or a number) must match (C(re.search)).
        type: str
      gte:
        description: The value must be a number greater than or equal to this.
        type: raw
      lte:
        description: The value must be a number less than or equal to this.
        type: raw
  contains:
    description: Texts the response body must contain.
    type: list
    elements: str
  capture:
    description:
      - Values to take from the JSON answer once every check passed, returned under RV(captured) (to use in a
        later request, say the id of what this request created).
      - A query that finds nothing fails the task.
    type: list
    elements: dict
    suboptions:
      name:
        description: The name the value is returned under (letters, digits and C(_)).
        type: str
        required: true
      query:
        description: A JMESPath expression over the parsed body, for example C(id).
        type: str
        required: true
      secret:
        description:
          - The value is a secret (a token, say). It is returned as it is under RV(captured), so set C(no_log)
            on the task; it is masked in the task's failure messages.
        type: bool
        default: false
  return_headers:
    description:
      - Names of answer headers to return under RV(headers), say C(X-RateLimit-Reset). Only these are returned,
        so a C(Set-Cookie) never reaches the output unless asked for.
    type: list
    elements: str
    default: []
  run_in_check_mode:
    description:
      - Send the request in check mode too.
      - Defaults to V(true) for GET, HEAD and OPTIONS and to V(false) for other methods.
    type: bool
requirements:
  - python >= 3.10
  - requests
  - jmespath (for O(json) and O(capture))
"""

EXAMPLES = r"""
- name: The app is healthy, with its Redis and database
  launchkit.paas.http_check:
    url: "https://scoop-web.onrender.com/health"
    json:
      - query: status
        equals: ok
      - query: checks.redis.status
        equals: ok
      - query: checks.database.latency_ms
        lte: 500
    retries: 10
    delay: 3

- name: The metrics page exposes what the dashboards need
  launchkit.paas.http_check:
    url: "https://scoop-web.onrender.com/metrics"
    contains:
      - app_up 1
      - http_requests_total
      - process_start_time_seconds

- name: An API call with a token answers the order back
  launchkit.paas.http_check:
    url: "https://scoop-web.onrender.com/api/orders"
    method: POST
    headers:
      Authorization: "Bearer {{ smoke_token }}"
    body: {sku: smoke-test, quantity: 1}
    status_code: [200, 201]
    json:
      - query: id
        exists: true
      - query: sku
        matches: "^smoke-"

- name: Create an item and keep its id
  launchkit.paas.http_check:
    url: https://scoop-web.onrender.com/items
    method: POST
    body: {name: smoke}
    status_code: [201]
    capture:
      - name: item_id
        query: id
  register: created

- name: Read it back
  launchkit.paas.http_check:
    url: "https://scoop-web.onrender.com/items/{{ created.captured.item_id }}"
    json:
      - query: name
        equals: smoke

- name: HTTPS on the custom domain before its DNS points at the app (connect to the app's address)
  launchkit.paas.http_check:
    url: "https://api.example.com/health"
    connect_to: ["api.example.com:443:203.0.113.10:443"]
"""

RETURN = r"""
status:
  description: The HTTP status of the last answer; null when none came.
  returned: when the request was sent
  type: int
  sample: 200
elapsed_ms:
  description: Milliseconds the last attempt took.
  returned: when the request was sent
  type: float
attempts:
  description: How many times the request was sent.
  returned: when the request was sent
  type: int
url:
  description: The URL as it appears in messages (no user info, secret query values masked).
  returned: when the request was sent
  type: str
json:
  description: The parsed body, when it is JSON.
  returned: when the body is JSON
  type: raw
content:
  description: The body as text, cut at 64 KiB.
  returned: when the request was sent
  type: str
content_truncated:
  description: Whether RV(content) was cut.
  returned: when the request was sent
  type: bool
assertions:
  description:
    - Every check of O(json) and O(contains), in order.
    - A check of O(contains) has C(test=body_contains), no C(query), and C(actual) true when found.
  returned: when the request was sent
  type: list
  elements: dict
  contains:
    query: {description: "The JMESPath expression (null for O(contains) checks).", type: str}
    test: {description: "'V(equals), V(contains), V(exists), V(matches), V(gte), V(lte) or V(body_contains).'", type: str}
    expected: {description: "The expected value.", type: raw}
    actual: {description: "What the query found (null when nothing).", type: raw}
    passed: {description: "Whether the check passed.", type: bool}
failed_assertions:
  description: The checks of RV(assertions) that failed (empty on success).
  returned: when the request was sent
  type: list
  elements: dict
headers:
  description: The answer's headers named in O(return_headers), by the name as given (null when the answer had none).
  returned: when O(return_headers) is set and the request was sent
  type: dict
  sample: {"X-RateLimit-Reset": "1765090860"}
captured:
  description: The values of O(capture), by name.
  returned: when O(capture) is set and the request passed
  type: dict
  sample: {"item_id": 42}
skipped:
  description: True when check mode did not send the request.
  returned: when skipped in check mode
  type: bool
"""

from ansible_collections.launchkit.paas.plugins.module_utils.http_check.check import (
    ARGUMENT_SPEC, required_libraries, run_check)
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module


MODULE = Module(ARGUMENT_SPEC, run_check, requires=required_libraries)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
