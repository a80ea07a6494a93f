"""Where coalescing claims, per-key leases and backoff counters live: Redis (production).

The embedded fallback (no ``REDIS_URL``) is ``sqlite_store``; both satisfy ``QueueStore``.
Every name passed in is already prefixed by the caller.
"""

from __future__ import annotations

import math
from typing import Protocol

import redis
from redis.exceptions import LockError
from redis.lock import Lock

# Earliest due time wins. A claim holds the due time (epoch seconds) of the task already queued for
# the key; a new send is needed only when nothing is queued or the queued task is due later than
# this one (an event during a 300 s backoff must not wait for it). For plain enqueues (countdown 0)
# this is exactly ``SET q:{key} NX EX``. ARGV[3], a small tolerance, keeps racing callers whose
# clocks were read microseconds apart from each sending.
_CLAIM_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) <= tonumber(ARGV[1]) + tonumber(ARGV[3]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""

# INCR that also (re)sets the expiry, so a key that stops failing forgets its count eventually.
_INCREMENT_SCRIPT = """
local value = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return value
"""


class LeaseHandle(Protocol):
    """One attempt at owning a key; ``token`` is random so only its holder can renew or release."""

    token: str

    def acquire(self) -> bool: ...

    def renew(self) -> bool:
        """Push the expiry out again; False when the lease expired and someone else may hold it."""
        ...

    def release(self) -> bool:
        """Compare-and-delete: False (and nothing deleted) when the lease is no longer ours."""
        ...


class QueueStore(Protocol):
    def claim(self, name: str, due: float, ttl_seconds: float, tolerance: float) -> bool:
        """True (and the claim is ours) unless a task due no later than ``due + tolerance`` is queued."""
        ...

    def clear(self, name: str) -> None: ...

    def lease(self, name: str, token: str, ttl_seconds: float) -> LeaseHandle: ...

    def increment(self, name: str, ttl_seconds: float) -> int: ...

    def read_counter(self, name: str) -> int: ...


class RedisLease:
    """redis-py's ``Lock`` does what rule 6 asks: ``SET NX PX`` with our token, Lua extend and
    Lua compare-and-delete. ``thread_local=False`` because the renewer thread is not the owner."""

    def __init__(self, client: redis.Redis, name: str, token: str, ttl_seconds: float) -> None:
        self.token = token
        self._lock = Lock(client, name, timeout=ttl_seconds, thread_local=False)
        self._ttl = ttl_seconds

    def acquire(self) -> bool:
        return bool(self._lock.acquire(blocking=False, token=self.token))

    def renew(self) -> bool:
        try:
            return bool(self._lock.extend(self._ttl, replace_ttl=True))
        except LockError:
            return False

    def release(self) -> bool:
        try:
            self._lock.release()
        except LockError:
            return False
        return True


class RedisStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._claim = client.register_script(_CLAIM_SCRIPT)
        self._increment = client.register_script(_INCREMENT_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, socket_timeout: float = 5.0) -> RedisStore:
        # Bounded socket timeouts: a stalled Redis must fail the watcher's enqueue, not hang it.
        return cls(redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout))

    def claim(self, name: str, due: float, ttl_seconds: float, tolerance: float) -> bool:
        return bool(self._claim(keys=[name], args=[repr(due), max(1, math.ceil(ttl_seconds)), repr(tolerance)]))

    def clear(self, name: str) -> None:
        self.client.delete(name)

    def lease(self, name: str, token: str, ttl_seconds: float) -> RedisLease:
        return RedisLease(self.client, name, token, ttl_seconds)

    def increment(self, name: str, ttl_seconds: float) -> int:
        return int(self._increment(keys=[name], args=[max(1, math.ceil(ttl_seconds))]))

    def read_counter(self, name: str) -> int:
        value = self.client.get(name)
        return int(value) if value is not None else 0
