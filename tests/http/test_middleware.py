"""The guards in front of the API, alone: rate limits per client, French validation errors."""

from __future__ import annotations

import time

from app.http.errors import french
from app.http.middleware import RateLimit


def limiter(per_minute: int, burst: int) -> RateLimit:
    return RateLimit(app=None, per_minute=per_minute, burst=burst, prefixes=("/api/",))  # type: ignore[arg-type]


def test_a_burst_then_the_rate_each_client_on_its_own():
    limits = limiter(per_minute=120, burst=2)  # 2 at once, then 2 a second
    me, you = "me", "you"
    assert limits.take(me) == 0 and limits.take(me) == 0
    wait = limits.take(me)
    assert 0 < wait <= 1  # the burst's window is one second at 120 a minute
    assert limits.take(you) == 0  # another client is not held back
    time.sleep(wait + 0.05)
    assert limits.take(me) == 0


def test_the_rate_holds_over_the_minute_whatever_the_burst():
    limits = limiter(per_minute=3, burst=50)
    assert [limits.take("me") for _ in range(3)] == [0, 0, 0]
    assert 55 < limits.take("me") <= 60  # three a minute: the next one in a minute


def test_client_addresses_are_not_kept_in_clear():
    limits = limiter(per_minute=60, burst=2)
    key = limits.client({"client": ("203.0.113.9", 5000)})
    assert "203.0.113.9" not in key and len(key) == 64
    assert key == limits.client({"client": ("203.0.113.9", 6000)})  # the address, not the port


def test_validation_errors_are_said_in_french():
    assert french({"loc": ("body", "question"), "type": "missing"}) == "Il manque la question."
    too_long = {"loc": ("body", "question"), "type": "string_too_long", "ctx": {"max_length": 1000}}
    assert french(too_long) == "La question est trop longue : 1000 caractères au plus."
    turns = {"loc": ("body", "history"), "type": "too_long", "ctx": {"max_length": 20}}
    assert french(turns) == "L'historique est trop long : 20 messages au plus."
    assert (
        french({"loc": ("body",), "type": "json_invalid"})
        == "Le corps de la requête doit être un objet JSON valide."
    )
