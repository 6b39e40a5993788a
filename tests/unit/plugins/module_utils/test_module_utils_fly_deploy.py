# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fly_deploy: one Machine at a time under a lease, stop at the first failure, idempotent, check mode predicts."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import LEASE_NONCE_HEADER
from ansible_collections.launchkit.paas.plugins.module_utils.fly.deploy import run_deploy
from fly_fakes import FakeFly, base_params, fly_client, machine
from launchkit_fakes import FakeClock, reply


def params(**overrides):
    values = {"app": "web", "metadata": {}, "secrets_version": 5, "image": None, "lease_ttl": 120,
              "wait_timeout": 60, "checks_timeout": 30}
    values.update(overrides)
    return base_params(**values)


def run(fake, check_mode=False, clock=None, **overrides):
    return run_deploy(params(**overrides), check_mode, Secrets(), fly_client(fake), clock=clock or FakeClock())


def three() -> FakeFly:
    return FakeFly(machines=[machine("m1", secrets_version=4, env={"PORT": "8080"}), machine("m2", secrets_version=4),
                             machine("m3", role="worker", secrets_version=4)])


def test_every_machine_rolls_one_at_a_time_lease_update_release():
    fake = three()
    result = run(fake)
    assert result["changed"] and result["rolled"] == ["m1", "m2", "m3"] and result["unchanged"] == []
    steps = [(c.method, c.path.rsplit("/", 1)[-1]) for c in fake.api.writes]
    assert steps == [
        ("POST", "lease"), ("POST", "m1"), ("DELETE", "lease"),
        ("POST", "lease"), ("POST", "m2"), ("DELETE", "lease"),
        ("POST", "lease"), ("POST", "m3"), ("DELETE", "lease")]
    update = fake.api.to("POST", "/apps/web/machines/m1")[0]
    assert update.headers[LEASE_NONCE_HEADER] and update.json["min_secrets_version"] == 5
    assert update.json["current_version"] == "v-m1"
    # the Machine's whole config, only the secrets version noted in its metadata changed
    assert update.json["config"]["env"] == {"PORT": "8080"} and update.json["config"]["restart"] == {"policy": "always"}
    assert update.json["config"]["metadata"] == {"launchkit_role": "web", "launchkit_secrets_version": "5"}
    assert [m["action"] for m in result["machines"]] == ["rolled"] * 3 and fake.leases == {}


def test_a_second_run_rolls_nothing():
    fake = three()
    run(fake)
    writes = len(fake.api.writes)
    again = run(fake)
    assert not again["changed"] and again["rolled"] == [] and len(fake.api.writes) == writes
    assert again["unchanged"] == ["m1", "m2", "m3"]


def test_a_machine_on_a_newer_secrets_version_is_left_alone():
    fake = FakeFly(machines=[machine("m1", secrets_version=7), machine("m2")])
    result = run(fake)
    assert result["rolled"] == ["m2"] and result["unchanged"] == ["m1"]


def test_metadata_selects_the_machines():
    fake = three()
    result = run(fake, metadata={"launchkit_role": "worker"})
    assert result["rolled"] == ["m3"] and fake.api.to("POST", "/apps/web/machines/m1") == []


def test_an_image_rolls_machines_on_another_image():
    fake = FakeFly(machines=[machine("m1"), machine("m2", image="registry.fly.io/web:2")])
    result = run(fake, secrets_version=None, image="registry.fly.io/web:2")
    assert result["rolled"] == ["m1"] and fake.machines["m1"]["config"]["image"] == "registry.fly.io/web:2"
    assert "min_secrets_version" not in fake.api.to("POST", "/apps/web/machines/m1")[0].json


def test_check_mode_predicts_which_machines_roll_and_writes_nothing():
    fake = FakeFly(machines=[machine("m1", secrets_version=5), machine("m2", secrets_version=4)])
    result = run(fake, check_mode=True)
    assert result["changed"] and result["rolled"] == ["m2"] and fake.api.writes == []
    assert result["diff"] == {"before": {"m2": {"image": "registry.fly.io/web:1", "secrets_version": 4}},
                              "after": {"m2": {"image": "registry.fly.io/web:1", "secrets_version": 5}}}
    assert run(fake)["rolled"] == ["m2"]


def test_the_roll_stops_at_the_first_failed_update_and_names_it():
    fake = three()
    fake.update_failures["m2"] = reply(422, {"error": "invalid config: image not found", "status": "unknown"})
    with pytest.raises(ResourceError) as raised:
        run(fake)
    details = raised.value.details
    assert details["failed_machine"] == "m2" and details["failed_step"] == "update"
    assert details["rolled"] == ["m1"] and details["not_rolled"] == ["m3"]
    assert "image not found" in str(raised.value) and "not rolled (still on their old version): m3" in str(raised.value)
    assert fake.api.to("POST", "/apps/web/machines/m3") == [] and fake.leases == {}
    assert fake.machines["m3"]["config"]["metadata"]["launchkit_secrets_version"] == "4"


def test_failing_health_checks_stop_the_roll_after_the_timeout():
    fake = three()
    fake.failing_checks.add("m1")
    clock = FakeClock()
    with pytest.raises(ResourceError, match="health checks not passing after 30 s") as raised:
        run(fake, clock=clock)
    assert raised.value.details["failed_step"] == "checks" and raised.value.details["not_rolled"] == ["m2", "m3"]
    assert clock.slept >= 30 and fake.leases == {}


def test_a_stopped_machine_is_updated_without_being_started():
    fake = FakeFly(machines=[machine("m1", state="stopped")])
    result = run(fake)
    assert fake.api.to("POST", "/apps/web/machines/m1")[0].json["skip_launch"] is True
    assert result["machines"][0]["state"] == "stopped"


def test_a_leased_machine_stops_the_roll_at_the_lease_step():
    fake = three()
    fake.leases["m1"] = "theirs"
    with pytest.raises(ResourceError) as raised:
        run(fake)
    assert raised.value.details["failed_step"] == "lease" and raised.value.details["not_rolled"] == ["m2", "m3"]


def test_no_target_is_refused():
    with pytest.raises(ValueError, match="secrets_version, image or both"):
        run(three(), secrets_version=None)


def test_no_matching_machine_is_a_warning():
    result = run(three(), metadata={"launchkit_role": "nothing"})
    assert not result["changed"] and "no Machine of web" in result["warnings"][0]


def test_a_machine_on_the_target_with_a_failing_check_is_waited_for_without_a_write():
    stuck = machine("m1", secrets_version=5)
    stuck["checks"] = [{"name": "health", "status": "critical"}]
    fake = FakeFly(machines=[stuck, machine("m2", secrets_version=4)])
    with pytest.raises(ResourceError) as raised:
        run(fake)
    assert raised.value.details["failed_machine"] == "m1" and raised.value.details["failed_step"] == "checks"
    assert raised.value.details["not_rolled"] == ["m2"] and fake.api.writes == []
    fake.machines["m1"]["checks"] = [{"name": "health", "status": "passing"}]
    result = run(fake)
    assert result["unchanged"] == ["m1"] and result["rolled"] == ["m2"]


def failing_once(fake: FakeFly, machine_id: str, applied: bool) -> None:
    """The first update of MACHINE_ID answers 503, after applying it (applied) or not."""
    update = fake._update_machine
    state = {"failed": False}

    def answer(call, target):
        if target != machine_id or state["failed"]:
            return update(call, target)
        state["failed"] = True
        if applied:
            update(call, target)
        return reply(503, {"error": "service unavailable"})
    fake._update_machine = answer  # the routes look it up on each call


@pytest.mark.parametrize(("applied", "sent"), [(False, 2), (True, 1)], ids=["did-not-happen", "answer-lost"])
def test_an_update_of_unknown_outcome_is_read_and_sent_again_only_when_it_did_not_happen(applied, sent):
    """A 503 after the update was sent leaves its outcome unknown: the Machine is read. Not on the target, it
    gets the update again, guarded by the version just read; on the target, the update happened and only its
    answer was lost, so it is not sent again."""
    fake = three()
    failing_once(fake, "m2", applied=applied)
    result = run(fake)
    assert result["rolled"] == ["m1", "m2", "m3"]
    assert len(fake.api.to("POST", "/apps/web/machines/m2")) == sent
    assert fake.machines["m2"]["config"]["metadata"]["launchkit_secrets_version"] == "5"
