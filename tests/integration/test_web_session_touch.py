"""A signed-in page request writes the web session's ``last_seen_at`` at most once a minute, and
the idle sign-out still comes after 15 idle minutes (on the fake clock, both backends)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ketaclinic.domain.errors import NotAuthenticated
from ketaclinic.services.identity.staff_sessions import token_hash
from tests.conftest import PASSWORD, World


def _last_seen(world: World, token: str) -> datetime:
    with world.services.uow() as uow:
        found = uow.staff_sessions.web_by_hash(token_hash(token))
    assert found is not None
    return found.last_seen_at


def test_requests_within_a_minute_do_not_write_the_session(world: World) -> None:
    signed = world.services.identity.sign_in("coach@testclinic.test", PASSWORD, client="")
    first = _last_seen(world, signed.token)
    for _ in range(5):
        world.clock.advance(seconds=10)
        world.services.identity.resume(signed.token)
    assert _last_seen(world, signed.token) == first  # 50 s later: not written
    world.clock.advance(seconds=10)
    world.services.identity.resume(signed.token)
    assert _last_seen(world, signed.token) == world.clock.now()  # a minute on: written


def test_a_user_active_every_50_seconds_stays_signed_in(world: World) -> None:
    signed = world.services.identity.sign_in("coach@testclinic.test", PASSWORD, client="")
    for _ in range(36):  # 30 minutes
        world.clock.advance(seconds=50)
        world.services.identity.resume(signed.token)


@pytest.mark.parametrize("active_seconds", [0, 30, 59, 60, 90])
def test_fifteen_idle_minutes_still_sign_out(world: World, active_seconds: int) -> None:
    """Whatever the last request's place in the touch minute, 15 idle minutes end the session,
    and 14 idle minutes do not."""
    signed = world.services.identity.sign_in("coach@testclinic.test", PASSWORD, client="")
    world.clock.advance(seconds=active_seconds)
    world.services.identity.resume(signed.token)  # the last request
    world.clock.advance(minutes=14)
    world.services.identity.resume(signed.token)  # 14 idle minutes: still signed in
    world.clock.advance(minutes=15, seconds=1)
    with pytest.raises(NotAuthenticated, match="inactivity"):
        world.services.identity.resume(signed.token)
    with pytest.raises(NotAuthenticated):
        world.services.identity.resume(signed.token)  # ended, not revived
