# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resource engine: compare, create, patch, delete, check mode, diff, create_once, wait_for."""
from __future__ import annotations

import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError, WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, MASK_NEW
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    DuplicateResource, Resource, ResourceError, WaitTimeout, create_once, differences,
    ensure, normalise, unique, wait_for)

TOKEN = "s3cr3t-token-value"


class Widget(Resource):
    """An in-memory resource that records what the engine asks of it."""

    kind = "widget"
    immutable = frozenset({"region"})
    secret = frozenset({"token"})
    disruptive = frozenset({"size"})

    def __init__(self, existing: dict | None = None, **desired) -> None:
        self.existing = existing
        self.wanted = {"name": "w1", "region": None, "size": None, "tags": None, "token": None, **desired}
        self.calls: list[tuple] = []

    def find(self):
        self.calls.append(("find",))
        return self.existing

    def desired(self):
        return dict(self.wanted)

    def current(self, resource):
        return {key: resource.get(key) for key in ("name", "region", "size", "tags", "token")}

    def create(self):
        self.calls.append(("create",))
        return {"id": "w-new", **{k: v for k, v in self.wanted.items() if v is not None}}

    def update(self, resource, changes):
        self.calls.append(("update", dict(changes)))
        return {**resource, **changes}

    def delete(self, resource):
        self.calls.append(("delete", resource["id"]))

    def writes(self):
        return [c for c in self.calls if c[0] in ("create", "update", "delete")]


def existing(**fields):
    return {"id": "w-1", "name": "w1", "region": "eu", "size": "small", "tags": ["a", "b"], "token": TOKEN, **fields}


# ------------------------------------------------------------------------------------------------ create
def test_create_when_missing():
    widget = Widget(region="eu", size="small")
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.changed and outcome.action == "create"
    assert outcome.resource["id"] == "w-new"
    assert widget.writes() == [("create",)]


def test_create_in_check_mode_writes_nothing_and_diffs_only_set_keys_with_secrets_masked():
    widget = Widget(region="eu", token=TOKEN)
    outcome = ensure(widget, "present", check_mode=True)
    assert outcome.changed is True
    assert widget.writes() == []
    assert outcome.resource is None
    assert outcome.diff() == {"before": {}, "after": {"name": "w1", "region": "eu", "token": MASK_NEW}}
    assert TOKEN not in json.dumps(outcome.diff())


# ---------------------------------------------------------------------------------------------- compare
def test_no_change_when_equal_and_unset_options_are_ignored():
    widget = Widget(existing(), size="small")  # region, tags, token unset: not managed
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.changed is False and outcome.action == "none"
    assert widget.writes() == []


def test_list_order_and_whitespace_are_normalised():
    widget = Widget(existing(), region=" eu\n", tags=["b", "a"])
    assert ensure(widget, "present", check_mode=False).changed is False


@pytest.mark.parametrize("desired, current, expected", [
    ({"a": 1, "b": None}, {"a": 1, "b": 2}, {}),
    ({"a": [3, 1]}, {"a": [1, 3]}, {}),
    ({"a": {"x": " v ", "y": None}}, {"a": {"x": "v"}}, {}),
    ({"a": "v"}, {}, {"a": "v"}),
    ({"a": False}, {"a": True}, {"a": False}),
    ({"a": [1]}, {"a": [1, 2]}, {"a": [1]}),
])
def test_differences(desired, current, expected):
    assert differences(desired, current) == expected


def test_normalise_sorts_lists_of_dicts():
    assert normalise([{"b": 1}, {"a": 2}]) == normalise([{"a": 2}, {"b": 1}])


# ----------------------------------------------------------------------------------------------- update
def test_update_sends_only_the_differing_keys():
    widget = Widget(existing(), name="w1", region="eu", size="large", tags=["a", "b"])
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.changed and outcome.action == "update"
    assert widget.writes() == [("update", {"size": "large"})]
    assert outcome.diff() == {"before": {"size": "small"}, "after": {"size": "large"}}
    assert outcome.resource["size"] == "large"


def test_update_in_check_mode_predicts_without_writing():
    widget = Widget(existing(), size="large")
    outcome = ensure(widget, "present", check_mode=True)
    assert outcome.changed is True
    assert widget.writes() == []
    assert outcome.resource["id"] == "w-1"


def test_secret_change_is_masked_in_the_diff():
    widget = Widget(existing(), token="new-token-value")
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.diff() == {"before": {"token": MASK}, "after": {"token": MASK_NEW}}
    assert TOKEN not in json.dumps(outcome.diff()) and "new-token-value" not in json.dumps(outcome.diff())
    assert widget.writes() == [("update", {"token": "new-token-value"})]


def test_immutable_option_change_fails_naming_the_option():
    widget = Widget(existing(), region="us")
    with pytest.raises(ResourceError, match=r"cannot change region .*current: region='eu'"):
        ensure(widget, "present", check_mode=False)
    assert widget.writes() == []


def test_disruptive_change_warns():
    outcome = ensure(Widget(existing(), size="large"), "present", check_mode=False)
    assert outcome.warnings == ["changing size restarts the widget"]


def test_non_disruptive_change_does_not_warn():
    outcome = ensure(Widget(existing(), tags=["c"]), "present", check_mode=False)
    assert outcome.changed and outcome.warnings == []


# ----------------------------------------------------------------------------------------------- absent
def test_absent_deletes_an_existing_resource_with_masked_before():
    widget = Widget(existing())
    outcome = ensure(widget, "absent", check_mode=False)
    assert outcome.changed and outcome.action == "delete"
    assert widget.writes() == [("delete", "w-1")]
    assert outcome.diff()["after"] == {}
    assert outcome.diff()["before"]["token"] == MASK


def test_absent_in_check_mode_does_not_delete():
    widget = Widget(existing())
    assert ensure(widget, "absent", check_mode=True).changed is True
    assert widget.writes() == []


def test_absent_when_missing_is_no_change():
    widget = Widget(None)
    outcome = ensure(widget, "absent", check_mode=False)
    assert outcome.changed is False and widget.writes() == []


# -------------------------------------------------------------------------------------------- duplicates
def test_unique_returns_the_single_match_or_none():
    assert unique([], "widget", "w1") is None
    assert unique([{"id": "a"}], "widget", "w1") == {"id": "a"}


def test_duplicates_raise_listing_every_id():
    with pytest.raises(DuplicateResource) as caught:
        unique([{"id": "w-1"}, {"id": "w-2"}], "widget", "w1")
    message = str(caught.value)
    assert "2 widgets are named 'w1'" in message
    assert "w-1" in message and "w-2" in message


def test_duplicates_use_the_given_id_key():
    with pytest.raises(DuplicateResource, match="db-1, db-2"):
        unique([{"database_id": "db-1"}, {"database_id": "db-2"}], "database", "x", id_key="database_id")


# ------------------------------------------------------------------------------------------- create_once
class FlakyCreate(Widget):
    def __init__(self, create_results, find_results):
        super().__init__(None)
        self.create_results = list(create_results)
        self.find_results = list(find_results)

    def create(self):
        self.calls.append(("create",))
        result = self.create_results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    def find(self):
        self.calls.append(("find",))
        return self.find_results.pop(0)


def unknown():
    return WriteOutcomeUnknown(None, "connection dropped")


def test_create_once_does_not_repeat_a_create_that_happened():
    resource = FlakyCreate([unknown(), {"id": "second"}], [{"id": "made-by-first"}])
    pauses = []
    assert create_once(resource, clock=Clock(sleep=pauses.append)) == {"id": "made-by-first"}
    assert resource.calls == [("create",), ("find",)]
    assert len(pauses) == 1


def test_create_once_repeats_a_create_that_did_not_happen():
    resource = FlakyCreate([unknown(), {"id": "second"}], [None])
    assert create_once(resource, clock=Clock(sleep=lambda s: None)) == {"id": "second"}
    assert resource.calls == [("create",), ("find",), ("create",)]


def test_create_once_gives_up_after_its_attempts():
    resource = FlakyCreate([unknown(), unknown()], [None])
    with pytest.raises(WriteOutcomeUnknown):
        create_once(resource, attempts=2, clock=Clock(sleep=lambda s: None))
    assert resource.calls.count(("create",)) == 2


# --------------------------------------------------------------------------------------------- wait_for
class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.pauses = []

    def __call__(self):
        return self.now

    def pause(self, seconds):
        assert len(self.pauses) < 1000, "wait_for never gave up"
        self.pauses.append(seconds)
        self.now += seconds


def poll(statuses):
    states = list(statuses)
    return lambda: {"status": states.pop(0) if len(states) > 1 else states[0]}


def test_wait_for_returns_when_ready():
    clock = FakeClock()
    item = wait_for(poll(["creating", "creating", "available"]), lambda i: i["status"], {"available"}, {"failed"},
                    timeout=60, what="db", clock=Clock(clock, clock.pause))
    assert item == {"status": "available"}
    assert len(clock.pauses) == 2


def test_wait_for_fails_on_a_failure_status():
    clock = FakeClock()
    with pytest.raises(ResourceError, match="db ended in status 'failed'"):
        wait_for(poll(["creating", "failed"]), lambda i: i["status"], {"available"}, {"failed"},
                 timeout=60, what="db", clock=Clock(clock, clock.pause))


def test_wait_for_times_out_with_the_last_status():
    clock = FakeClock()
    with pytest.raises(WaitTimeout, match="db was still 'creating' after 10 s"):
        wait_for(poll(["creating"]), lambda i: i["status"], {"available"}, {"failed"},
                 timeout=10, what="db", interval=2.0, clock=Clock(clock, clock.pause))
    assert clock.now >= 1010
    assert max(clock.pauses) == 2.0  # the poll interval backs off up to `interval`, no further


# ------------------------------------------------------------------------------------ converging creates
class Twinned(Widget):
    """A widget whose name another run creates at the same time: `others` already exist after the create."""

    created_field = "createdAt"

    def __init__(self, others: list[dict], made: dict | None = None, conflict: bool = False) -> None:
        super().__init__()
        self.others = others
        self.made = made or {"id": "w-mine", "name": "w1", "createdAt": "2026-12-06T10:00:02Z"}
        self.conflict = conflict

    def create(self):
        self.calls.append(("create",))
        if self.conflict:
            self.existing = self.others[0]
            raise ApiError(409, "A team with this slug already exists.")
        return dict(self.made)

    def namesakes(self):
        """In the vendor's order of creation: the others' twins first, unless made at a later time."""
        self.calls.append(("namesakes",))
        return [dict(other) for other in self.others] + [dict(self.made)]


def other(ident: str, created) -> dict:
    return {"id": ident, "name": "w1", "createdAt": created}


def test_a_create_without_twins_keeps_its_own():
    widget = Twinned([])
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.action == "create" and outcome.resource["id"] == "w-mine"
    assert widget.writes() == [("create",)] and not outcome.warnings


def test_the_newer_twin_is_deleted_and_the_older_adopted_with_a_warning():
    widget = Twinned([other("w-theirs", "2026-12-06T10:00:01Z")])
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.resource["id"] == "w-theirs" and outcome.action == "adopt" and outcome.changed
    assert widget.writes() == [("create",), ("delete", "w-mine")]
    assert "w-theirs" in outcome.warnings[0] and "w-mine" in outcome.warnings[0]


def test_the_older_twin_keeps_its_own_and_deletes_nothing():
    widget = Twinned([other("w-theirs", "2026-12-06T10:00:03Z")])
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.resource["id"] == "w-mine" and outcome.action == "create"
    assert widget.writes() == [("create",)] and not outcome.warnings


def test_twins_created_in_the_same_second_are_ordered_as_the_vendor_lists_them():
    same = 1765015202  # Upstash counts in whole seconds
    # The first run listed before the second created: it saw only its own, and kept it.
    first = Twinned([], made={"id": "w-z", "name": "w1", "createdAt": same})
    assert ensure(first, "present", check_mode=False).resource["id"] == "w-z"
    # The second sees both, the first one first, whatever the ids: it yields.
    second = Twinned([other("w-z", same)], made={"id": "w-a", "name": "w1", "createdAt": same})
    assert ensure(second, "present", check_mode=False).resource["id"] == "w-z"
    assert second.writes()[-1] == ("delete", "w-a")


@pytest.mark.parametrize("mine, theirs, kept", [(1765015202, 1765015201, "w-theirs"), (1765015200, 1765015201, "w-mine")])
def test_created_times_given_as_numbers_compare_too(mine, theirs, kept):
    widget = Twinned([other("w-theirs", theirs)], made={"id": "w-mine", "name": "w1", "createdAt": mine})
    assert ensure(widget, "present", check_mode=False).resource["id"] == kept


def test_without_created_times_the_first_listed_wins():
    widget = Twinned([{"id": "z-theirs", "name": "w1"}], made={"id": "a-mine", "name": "w1"})
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.resource["id"] == "z-theirs" and ("delete", "a-mine") in widget.writes()


def test_a_list_that_does_not_show_the_new_resource_yet_keeps_it():
    widget = Twinned([other("w-x", "2026-12-06T10:00:00Z"), other("w-y", "2026-12-06T10:00:01Z")])
    widget.namesakes = lambda: [other("w-x", "2026-12-06T10:00:00Z"), other("w-y", "2026-12-06T10:00:01Z")]
    assert ensure(widget, "present", check_mode=False).resource["id"] == "w-mine"
    assert widget.writes() == [("create",)]


def test_resources_whose_names_do_not_identify_them_never_converge():
    widget = Widget()
    assert widget.namesakes() is None
    assert ensure(widget, "present", check_mode=False).resource["id"] == "w-new"


def test_a_conflict_on_create_adopts_what_the_other_run_made():
    widget = Twinned([other("w-theirs", "2026-12-06T10:00:01Z")], conflict=True)
    outcome = ensure(widget, "present", check_mode=False)
    assert outcome.resource["id"] == "w-theirs" and outcome.action == "adopt"
    assert "another run" in outcome.warnings[0]


def test_a_conflict_with_nothing_to_find_is_the_vendor_error():
    widget = Twinned([{"id": None}], conflict=True)
    widget.find = lambda: None
    with pytest.raises(ApiError):
        ensure(widget, "present", check_mode=False)


def test_check_mode_never_lists_twins():
    widget = Twinned([other("w-theirs", "2026-12-06T10:00:01Z")])
    ensure(widget, "present", check_mode=True)
    assert ("namesakes",) not in widget.calls
