# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""phase_services: each phase's services as they are now, for the report."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.phase_services import FilterModule, phase_services

SERVICES = [
    {"name": "scoop-web", "id": "srv-web", "type": "web_service", "suspended": False, "env_keys": ["REDIS_URL"],
     "service_details": {}},
    {"name": "scoop-jobs", "id": "crn-1", "type": "cron_job", "suspended": True, "env_keys": [],
     "service_details": {"schedule": "0 10 * * *", "lastSuccessfulRunAt": "2025-01-01T10:00:05Z"}},
]


def test_rows_say_what_exists_its_state_and_whether_the_key_is_set():
    phases = {"redis": {"configured": True, "env_key": "REDIS_URL", "service_names": ["scoop-web", "scoop-gone"]},
              "cron": {"configured": True, "service_names": ["scoop-jobs"]}}
    records = {"redis": {"services": {"scoop-web": ["REDIS_URL"]}}}
    state = phase_services(phases, SERVICES, records)
    assert state["redis"]["configured"] is True
    assert state["redis"]["rollback_record"] == records["redis"]
    assert state["redis"]["services"] == [
        {"name": "scoop-web", "exists": True, "id": "srv-web", "type": "web_service", "status": "active",
         "env_key_set": True, "schedule": None, "last_successful_run": None},
        {"name": "scoop-gone", "exists": False, "id": None, "type": None, "status": None, "env_key_set": False,
         "schedule": None, "last_successful_run": None},
    ]
    assert state["cron"]["rollback_record"] is None
    assert state["cron"]["services"] == [
        {"name": "scoop-jobs", "exists": True, "id": "crn-1", "type": "cron_job", "status": "suspended",
         "env_key_set": None, "schedule": "0 10 * * *", "last_successful_run": "2025-01-01T10:00:05Z"}]


def test_a_phase_without_services_has_no_rows():
    assert phase_services({"email": {"configured": False, "service_names": []}}, [], None) == {
        "email": {"configured": False, "service_names": [], "services": [], "rollback_record": None}}
    assert FilterModule().filters()["phase_services"] is phase_services
