"""ExpiringCache: answers kept for their TTL only, only those `keep` accepts, bounded in number (LRU)."""

from __future__ import annotations

import pytest

from sessions.access_cache import ExpiringCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_an_answer_is_kept_for_its_ttl_then_asked_again(clock: Clock) -> None:
    cache: ExpiringCache[int] = ExpiringCache(ttl_seconds=5, timer=clock)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute("key", compute, keep=bool) == 1
    clock.now += 4.9
    assert cache.get_or_compute("key", compute, keep=bool) == 1
    clock.now += 0.2
    assert cache.get_or_compute("key", compute, keep=bool) == 2


def test_only_kept_answers_are_stored_and_ttl_zero_keeps_nothing(clock: Clock) -> None:
    cache: ExpiringCache[bool] = ExpiringCache(ttl_seconds=5, timer=clock)
    answers = iter([False, True, False])
    assert cache.get_or_compute("key", lambda: next(answers), keep=bool) is False
    assert cache.get_or_compute("key", lambda: next(answers), keep=bool) is True
    assert cache.get_or_compute("key", lambda: next(answers), keep=bool) is True  # cached
    fresh: ExpiringCache[int] = ExpiringCache(ttl_seconds=0, timer=clock)
    counter = iter(range(10))
    assert [fresh.get_or_compute("k", lambda: next(counter), keep=lambda _: True) for _ in range(3)] == [0, 1, 2]


def test_past_max_entries_expired_go_first_then_the_least_recently_used(clock: Clock) -> None:
    cache: ExpiringCache[str] = ExpiringCache(ttl_seconds=10, max_entries=3, timer=clock)
    cache.get_or_compute("a", lambda: "a", keep=bool)
    cache.get_or_compute("b", lambda: "b", keep=bool)
    clock.now += 5
    cache.get_or_compute("c", lambda: "c", keep=bool)
    clock.now += 6  # a and b expired, c not
    cache.get_or_compute("d", lambda: "d", keep=bool)
    cache.get_or_compute("e", lambda: "e", keep=bool)
    cache.get_or_compute("c", lambda: "unused", keep=bool)  # c read again: d is now the least recently used
    cache.get_or_compute("f", lambda: "f", keep=bool)  # full of live entries: d goes
    assert cache.get_or_compute("c", lambda: "new c", keep=bool) == "c"
    assert cache.get_or_compute("d", lambda: "new d", keep=bool) == "new d"


def test_forget_and_clear(clock: Clock) -> None:
    cache: ExpiringCache[int] = ExpiringCache(ttl_seconds=10, timer=clock)
    cache.get_or_compute("a", lambda: 1, keep=bool)
    cache.get_or_compute("b", lambda: 1, keep=bool)
    cache.forget("a")
    assert cache.get_or_compute("a", lambda: 2, keep=bool) == 2
    cache.clear()
    assert cache.get_or_compute("b", lambda: 3, keep=bool) == 3
