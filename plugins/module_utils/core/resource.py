# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the resource engine shared by every resource module.

Not a public API; it may change between any two releases.

A vendor resource is declared as a ``Resource`` (how to find, create, update and delete it, and how
to turn the API's answer into the same shape as the user's options). ``ensure`` then gives every
module the same behaviour: compare only what the user set, patch only what differs, never write in
check mode yet predict the same ``changed``, diff with secrets masked, and never repeat a create
without first looking for what an unanswered create may have made.

Creates converge: two runs that create a resource of the same name at once (two controllers that
share no run lock) each list the name again after their create; the older of the twins (the vendor's
created time, then its place in the vendor's list) is kept by both, the run that made the newer one deletes it and adopts the
older (``converge``). A vendor that refuses a second resource of the name (409) is read back instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError, WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, MASK_NEW
from ansible_collections.launchkit.paas.plugins.module_utils.core import progress
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll


class ResourceError(Exception):
    """The request cannot be carried out as asked; the message says what to fix."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class DuplicateResource(ResourceError):
    pass


class WaitTimeout(ResourceError):
    pass


@dataclass
class Outcome:
    changed: bool
    resource: dict | None
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    action: str = "none"

    def diff(self) -> dict:
        return {"before": self.before, "after": self.after}


class Resource:
    """Declare one vendor resource by overriding these methods (the module's 'thin declaration')."""

    kind = "resource"
    #: options that the API cannot change after create (a difference fails with a clear message)
    immutable: frozenset[str] = frozenset()
    #: options whose values are secrets: compared, but never shown in a diff
    secret: frozenset[str] = frozenset()
    #: options whose change restarts or interrupts the resource (a warning is returned)
    disruptive: frozenset[str] = frozenset()
    #: the fields of the vendor's answer that hold the resource's id and its created time (None: none)
    id_field = "id"
    created_field: str | None = None

    def find(self) -> dict | None:
        raise NotImplementedError

    def namesakes(self) -> list[dict] | None:
        """Every resource with the name of the one just created, read from the vendor (not a cached list).

        None (the default) when names do not identify the resource; then creates do not converge.
        """
        return None

    def taken(self, error: ApiError) -> bool:
        """Whether the vendor refused the create because a resource of that name exists: 409 unless the
        vendor says so otherwise. Then the one that exists (another run's, made at the same time) is adopted."""
        return error.status == 409

    def adopt(self, kept: dict, made: dict) -> dict:
        """What a run returns when it keeps `kept` (another run's twin) and has deleted `made` (its own)."""
        del made
        return kept

    def desired(self) -> dict:
        """The options the user set, in the same shape as ``current``; None means 'not managed'."""
        raise NotImplementedError

    def current(self, resource: dict) -> dict:
        raise NotImplementedError

    def create(self) -> dict:
        raise NotImplementedError

    def update(self, resource: dict, changes: dict) -> dict:
        raise NotImplementedError

    def delete(self, resource: dict) -> None:
        raise NotImplementedError


def unique(matches: list[dict], kind: str, name: str, id_key: str = "id") -> dict | None:
    """The one match, None for no match; several matches is an error the user must resolve."""
    if not matches:
        return None
    if len(matches) > 1:
        ids = ", ".join(str(item.get(id_key)) for item in matches)
        raise DuplicateResource(
            f"{len(matches)} {kind}s are named '{name}' ({ids}); name one by id to say which is meant")
    return matches[0]


def differences(desired: dict, current: dict) -> dict:
    """The desired options whose value differs from the current one (unset options are ignored)."""
    return {key: value for key, value in desired.items()
            if value is not None and normalise(value) != normalise(current.get(key))}


def normalise(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        items = [normalise(item) for item in value]
        try:
            return sorted(items, key=repr)
        except TypeError:  # pragma: no cover - mixed types keep their order
            return items
    return value


def masked(values: dict, secret: frozenset[str], placeholder: str) -> dict:
    return {key: (placeholder if key in secret and value is not None else value) for key, value in values.items()}


def ensure(resource: Resource, state: str, check_mode: bool) -> Outcome:
    if state == "absent":
        return ensure_absent(resource, check_mode)
    return ensure_present(resource, check_mode)


def ensure_present(resource: Resource, check_mode: bool) -> Outcome:
    current_resource = resource.find()
    desired = resource.desired()
    if current_resource is None:
        after = masked(compact(desired), resource.secret, MASK_NEW)
        outcome = Outcome(True, None, before={}, after=after, action="create")
        if not check_mode:
            outcome.resource = create_once(resource, outcome=outcome)
        return outcome
    current = resource.current(current_resource)
    changes = differences(desired, current)
    if not changes:
        return Outcome(False, current_resource)
    frozen = sorted(set(changes) & resource.immutable)
    if frozen:
        raise ResourceError(
            f"cannot change {', '.join(frozen)} of the existing {resource.kind}: the API does not allow it "
            f"after create (current: {', '.join(f'{k}={current.get(k)!r}' for k in frozen)}); "
            f"delete and recreate it, or set the current value")
    outcome = Outcome(True, current_resource, action="update",
                      before=masked({k: current.get(k) for k in changes}, resource.secret, MASK),
                      after=masked(changes, resource.secret, MASK_NEW))
    restarting = sorted(set(changes) & resource.disruptive)
    if restarting:
        outcome.warnings.append(f"changing {', '.join(restarting)} restarts the {resource.kind}")
    if not check_mode:
        outcome.resource = resource.update(current_resource, changes)
    return outcome


def ensure_absent(resource: Resource, check_mode: bool) -> Outcome:
    current_resource = resource.find()
    if current_resource is None:
        return Outcome(False, None)
    if not check_mode:
        resource.delete(current_resource)
    before = masked(compact(resource.current(current_resource)), resource.secret, MASK)
    return Outcome(True, None, before=before, after={}, action="delete")


def create_once(resource: Resource, attempts: int = 3, clock: Clock | None = None,
                outcome: Outcome | None = None) -> dict:
    """Create, and when the create's outcome is unknown look for its result before trying again.

    Then converge with a twin another run created at the same time (``converge``); a vendor that
    refused the create because the name is taken (``Resource.taken``: 409, or the vendor's own way of
    saying so) has the other run's resource, which is adopted.
    A run that adopts says so in `outcome` (a warning, and the action ``adopt``).
    """
    clock = clock or Clock()
    outcome = outcome or Outcome(True, None)
    for attempt in range(attempts):
        try:
            return converge(resource, resource.create(), outcome)
        except WriteOutcomeUnknown:
            if attempt + 1 == attempts:
                raise
            clock.sleep(1.0 + attempt)
            found = resource.find()
            if found is not None:
                return converge(resource, found, outcome)
        except ApiError as exc:
            found = resource.find() if resource.taken(exc) else None
            if found is None:
                raise
            outcome.action = "adopt"
            outcome.warnings.append(
                f"the {resource.kind} '{resource_name(resource, found)}' was created by another run at the same "
                f"time ({exc.message}): this run adopted it ({resource_id(resource, found)})")
            return found
    raise AssertionError("unreachable")  # pragma: no cover


def converge(resource: Resource, made: dict, outcome: Outcome) -> dict:
    """Of `made` and the twins of its name that another run created at the same time, keep the oldest.

    Every run that creates lists the name again after its create and orders the twins the same way
    (the vendor's created time, then their order in the vendor's list, which is the order of creation),
    so all of them keep the same one; a run whose own resource is not that one deletes it and adopts the
    kept one (``Resource.adopt``). The list order, not the id, settles a tie: the run that created
    first may have listed before the other's create, and kept its own; the later run sees both, and
    the list shows it the earlier one first.
    """
    twins = resource.namesakes()
    made_id = resource_id(resource, made)
    if not twins or len(twins) < 2 or made_id not in {resource_id(resource, twin) for twin in twins}:
        return made
    kept = twins[min(range(len(twins)), key=lambda place: age(resource, twins[place], place))]
    if resource_id(resource, kept) == made_id:
        return made
    resource.delete(made)
    created = kept.get(resource.created_field) if resource.created_field else None
    outcome.action = "adopt"
    outcome.warnings.append(
        f"another run created the {resource.kind} '{resource_name(resource, made)}' at the same time: kept the "
        f"older one ({resource_id(resource, kept)}{f', created {created}' if created else ''}), deleted the one "
        f"this run made ({made_id}) and adopted the older")
    return resource.adopt(kept, made)


def resource_id(resource: Resource, item: dict) -> str | None:
    value = item.get(resource.id_field)
    return None if value is None else str(value)


def resource_name(resource: Resource, item: dict) -> str:
    return str(item.get("name") or item.get("database_name") or resource_id(resource, item))


def age(resource: Resource, item: dict, place: int) -> tuple[int, float, int]:
    """The sort key of a twin: those with a created time first, oldest first, then by place in the list."""
    stamp = timestamp(item.get(resource.created_field)) if resource.created_field else None
    return (0 if stamp is not None else 1, stamp or 0.0, place)


def timestamp(value: Any) -> float | None:
    """Seconds since the epoch of a vendor's created time: a number (Upstash) or an ISO 8601 text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def wait_for(fetch: Callable[[], dict], status_of: Callable[[dict], str], ready: set[str], failed: set[str],
             timeout: float, what: str, interval: float = 1.0, clock: Clock | None = None,
             link: Callable[[dict], str | None] | None = None) -> dict:
    """Poll until the status is in `ready`; fail on a status in `failed` or after `timeout` seconds.

    Each status seen is said (core/progress.py) with `what` and, when `link` gives one, the vendor's
    dashboard URL of the item.
    """
    def said(_before: dict | None, item: dict) -> None:
        url = link(item) if link else None
        progress.say(f"{what}: {status_of(item)}" + (f" ({url})" if url else ""))

    polled = poll(fetch, lambda item: status_of(item) in ready | failed, timeout, clock, interval=interval,
                  on_change=said, state=status_of)
    status = status_of(polled.value)
    if status in failed:
        raise ResourceError(f"{what} ended in status '{status}'")
    if not polled.done:
        raise WaitTimeout(f"{what} was still '{status}' after {timeout:g} s; raise wait_timeout or check the vendor")
    return polled.value


def write_once(send: Callable[[], Any], look_up: Callable[[], Any], attempts: int = 3,
               clock: Clock | None = None) -> Any:
    """Send a write that must not happen twice (a create), and when its answer is lost (WriteOutcomeUnknown)
    look for what it made before sending it again: `look_up` returns the made thing or None.

    For the writes that are not a declared ``Resource`` (an env entry, a deployment); the look-up waits a
    little first (1 s, then 2 s), since a vendor's list may show a new item a moment after it is made.
    """
    clock = clock or Clock()
    for attempt in range(attempts):
        try:
            return send()
        except WriteOutcomeUnknown:
            if attempt + 1 == attempts:
                raise
            clock.sleep(1.0 + attempt)
            found = look_up()
            if found is not None:
                return found
    raise AssertionError("unreachable")  # pragma: no cover
