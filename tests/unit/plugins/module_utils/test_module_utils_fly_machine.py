# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fly_machine: identity by metadata, whole-config compare and update under a lease, capacity fallback, check mode."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import DuplicateResource, ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import LEASE_NONCE_HEADER
from ansible_collections.launchkit.paas.plugins.module_utils.fly.machine import contains, run_machine, run_machine_info
from fly_fakes import FakeFly, base_params, fly_client, machine
from launchkit_fakes import FakeClock, connection_dropped, reply

IMAGE = "registry.fly.io/web:1"
CAPACITY = reply(412, {"error": "no capacity in region", "status": "insufficient_capacity"})


def params(**overrides):
    values = {"app": "web", "identity": {"launchkit_role": "web"}, "id": None, "name": None, "state": "present",
              "config": {"image": IMAGE, "env": {"PORT": "8080"}}, "region": "ams", "fallback_regions": [],
              "skip_launch": False, "min_secrets_version": None, "lease_ttl": 120, "force": True, "wait": True,
              "wait_timeout": 60}
    values.update(overrides)
    return base_params(**values)


def run(fake, check_mode=False, **overrides):
    return run_machine(params(**overrides), check_mode, Secrets(), fly_client(fake), clock=FakeClock())


@pytest.mark.parametrize("current, wanted, expected", [
    ({"image": "a", "restart": {"policy": "always"}}, {"image": "a"}, True),
    ({"image": "a"}, {"image": "b"}, False),
    ({"guest": {"cpus": 1, "memory_mb": 256, "cpu_kind": "shared"}}, {"guest": {"memory_mb": 256.0}}, True),
    ({"services": [{"internal_port": 80, "autostart": True}]}, {"services": [{"internal_port": 80}]}, True),
    ({"services": [{"internal_port": 80}, {"internal_port": 81}]}, {"services": [{"internal_port": 80}]}, False),
    ({"metadata": {}}, {"metadata": {"launchkit_role": "web"}}, False),
])
def test_the_given_config_is_compared_as_a_subset_of_fly_s(current, wanted, expected):
    assert contains(current, wanted) is expected


def test_create_in_check_mode_writes_nothing_and_shows_env_keys_only():
    fake = FakeFly(machines=[machine("m1", role="worker")])
    result = run(fake, check_mode=True)
    assert result["changed"] and result["action"] == "create" and fake.api.writes == []
    assert result["diff"]["after"]["env"] == {"PORT": MASK}
    assert result["diff"]["after"]["metadata"] == {"launchkit_role": "web"}


def test_create_writes_the_identity_into_metadata_then_a_second_run_changes_nothing():
    fake = FakeFly(machines=[machine("m1", role="worker")])
    first = run(fake, min_secrets_version=4)
    create = fake.api.to("POST", "/apps/web/machines")[0].json
    assert create["config"]["metadata"] == {"launchkit_role": "web", "launchkit_secrets_version": "4"}
    assert create["region"] == "ams" and create["min_secrets_version"] == 4
    assert first["machine"]["id"] == "m-new" and first["machine"]["secrets_version"] == 4
    second = run(fake, min_secrets_version=4)
    assert not second["changed"] and len(fake.api.writes) == 1


def test_a_machine_is_never_found_by_name():
    with pytest.raises(ValueError, match="never found by name"):
        run(FakeFly(), identity=None, name="web-1")


def test_two_machines_with_the_identity_fail():
    fake = FakeFly(machines=[machine("m1"), machine("m2")])
    with pytest.raises(DuplicateResource, match="m1, m2"):
        run(fake)
    assert fake.api.writes == []


def test_an_update_sends_the_whole_config_under_a_lease_with_the_current_version():
    fake = FakeFly(machines=[machine("m1", secrets_version=3)])
    result = run(fake, config={"image": "registry.fly.io/web:2"})
    lease, update, release = fake.api.writes
    assert lease.path.endswith("/lease") and release.method == "DELETE" and release.path.endswith("/lease")
    assert update.headers[LEASE_NONCE_HEADER] == "nonce-1" == release.headers[LEASE_NONCE_HEADER]
    assert update.json["current_version"] == "v-m1"
    # the whole given config, the identity, the kept secrets version; nothing else of the old config
    assert update.json["config"] == {"image": "registry.fly.io/web:2",
                                     "metadata": {"launchkit_role": "web", "launchkit_secrets_version": "3"}}
    assert result["action"] == "update" and result["machine"]["image"] == "registry.fly.io/web:2"
    assert result["diff"] == {"before": {"image": IMAGE}, "after": {"image": "registry.fly.io/web:2"}}
    assert fake.leases == {}


def test_update_in_check_mode_writes_nothing():
    fake = FakeFly(machines=[machine("m1")])
    result = run(fake, check_mode=True, config={"image": "registry.fly.io/web:2"})
    assert result["changed"] and result["action"] == "update" and fake.api.writes == []


def test_a_newer_secrets_version_updates_the_machine():
    fake = FakeFly(machines=[machine("m1", secrets_version=3)])
    result = run(fake, config={"image": IMAGE}, min_secrets_version=5)
    update = fake.api.to("POST", "/apps/web/machines/m1")[0].json
    assert update["min_secrets_version"] == 5 and update["config"]["metadata"]["launchkit_secrets_version"] == "5"
    assert result["machine"]["secrets_version"] == 5


def test_a_concurrent_change_fails_the_update_and_the_lease_is_released():
    fake = FakeFly(machines=[machine("m1")])
    fake.update_failures["m1"] = reply(412, {"error": "machine version mismatch"})
    with pytest.raises(Exception, match="version mismatch"):
        run(fake, config={"image": "registry.fly.io/web:2"})
    assert fake.leases == {}


def test_a_machine_leased_by_someone_else_fails_naming_the_owner():
    fake = FakeFly(machines=[machine("m1")])
    fake.leases["m1"] = "theirs"
    with pytest.raises(ResourceError, match="leased by someone@example.test"):
        run(fake, config={"image": "registry.fly.io/web:2"})
    assert fake.api.to("POST", "/apps/web/machines/m1") == []


def test_no_capacity_tries_the_fallback_regions_in_order():
    fake = FakeFly()
    fake.create_failures = [CAPACITY, None]
    result = run(fake, fallback_regions=["fra", "cdg"])
    assert [c.json["region"] for c in fake.api.to("POST", "/apps/web/machines")] == ["ams", "fra"]
    assert "no capacity in ams: created in fra" in result["warnings"][0]


def test_no_capacity_anywhere_is_its_own_clear_failure():
    fake = FakeFly()
    fake.create_failures = [CAPACITY, CAPACITY]
    with pytest.raises(ResourceError, match=r"no capacity for this Machine \(insufficient_capacity\) in ams, fra") as raised:
        run(fake, fallback_regions=["fra"])
    assert raised.value.details["error_code"] == "insufficient_capacity"


def test_a_lost_create_answer_is_looked_up_by_identity_before_creating_again():
    fake = FakeFly()
    original = fake.api.routes[("POST", "/apps/web/machines")][0]

    def create_then_drop(call):
        original(call)
        raise connection_dropped()
    fake.api.on("POST", "/apps/web/machines", create_then_drop)
    result = run(fake)
    assert result["machine"]["id"] == "m-new" and len(fake.api.to("POST", "/apps/web/machines")) == 1


def test_another_region_on_an_existing_machine_fails():
    with pytest.raises(ResourceError, match="cannot move"):
        run(FakeFly(machines=[machine("m1")]), region="fra")


def test_delete_under_a_lease_and_a_second_delete_changes_nothing():
    fake = FakeFly(machines=[machine("m1")])
    first = run(fake, state="absent", config=None)
    delete = fake.api.to("DELETE", "/apps/web/machines/m1")[0]
    assert first["changed"] and delete.headers[LEASE_NONCE_HEADER] == "nonce-1" and delete.params == {"force": "true"}
    assert not run(fake, state="absent", config=None)["changed"]


def test_config_is_required_and_holds_an_image():
    with pytest.raises(ValueError, match="config is required"):
        run(FakeFly(), config=None)
    with pytest.raises(ValueError, match="config.image is required"):
        run(FakeFly(), config={"env": {}})


def test_identity_and_config_metadata_must_agree():
    with pytest.raises(ValueError, match="another value than identity"):
        run(FakeFly(), config={"image": IMAGE, "metadata": {"launchkit_role": "worker"}})


def test_info_filters_by_identity():
    fake = FakeFly(machines=[machine("m1"), machine("m2", role="worker")])
    found = run_machine_info(base_params(app="web", id=None, identity={"launchkit_role": "worker"}), False, Secrets(),
                             fly_client(fake))
    assert [m["id"] for m in found["machines"]] == ["m2"]
