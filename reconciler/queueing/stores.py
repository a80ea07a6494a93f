"""Where coalescing claims, per-key leases and backoff counters live: Redis (production).

The embedded fallback (no ``REDIS_URL``) is ``sqlite_store``; both satisfy ``QueueStore``.
Every name passed in is already prefixed by the caller.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Protocol

import redis

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

# Take the lease, or (held by someone else) mark the key dirty: one step, so no release slips between.
_LEASE_ACQUIRE_SCRIPT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
return 0
"""

_LEASE_EXTEND_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# Compare-and-delete; then the dirty mark is ours to take unless a new holder has the lease.
_LEASE_RELEASE_SCRIPT = """
local owned = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  owned = 1
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {owned, 0}
end
return {owned, redis.call('DEL', KEYS[2])}
"""

# Delete the claim only when its due time lies in [ARGV[1], ARGV[2]] (it is the starting task's
# own); return it either way, and whether it was deleted.
_TAKE_CLAIM_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if not current then
  return {false, 0}
end
local due = tonumber(current)
if due >= tonumber(ARGV[1]) and due <= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return {current, 1}
end
return {current, 0}
"""

# INCR that also (re)sets the expiry, so a key that stops failing forgets its count eventually.
_INCREMENT_SCRIPT = """
local value = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return value
"""


class LeaseRelease(NamedTuple):
    # The lease was still ours and is now deleted.
    owned: bool
    # A contender found the lease busy while we held it: the key must run again now.
    dirty: bool


class LeaseHandle(Protocol):
    """One attempt at owning a key; ``token`` is random so only its holder can renew or release."""

    token: str

    def acquire(self) -> bool:
        """Take the lease; when another holder has it, mark the key dirty in the same atomic step,
        so the holder's release cannot miss the mark (controller-runtime's dirty set)."""
        ...

    def renew(self) -> bool:
        """Push the expiry out again; False when the lease expired and someone else may hold it."""
        ...

    def release(self) -> LeaseRelease:
        """Compare-and-delete, then take (read and clear) the dirty mark unless a new holder owns
        the lease (that holder's release takes it instead)."""
        ...


class QueueStore(Protocol):
    def claim(self, name: str, due: float, ttl_seconds: float, tolerance: float) -> bool:
        """True (and the claim is ours) unless a task due no later than ``due + tolerance`` is queued."""
        ...

    def take_claim(self, name: str, earliest: float, latest: float) -> tuple[float | None, bool]:
        """The claim's due time (epoch seconds; None without a claim), deleted only when it lies
        within [earliest, latest]; the bool says whether it was deleted."""
        ...

    def clear(self, name: str) -> None: ...

    def lease(
        self, name: str, token: str, ttl_seconds: float, dirty_name: str, dirty_ttl_seconds: float
    ) -> LeaseHandle: ...

    def increment(self, name: str, ttl_seconds: float) -> int: ...

    def read_counter(self, name: str) -> int: ...


class RedisLease:
    """``SET NX PX`` with a random token, Lua extend and Lua compare-and-delete (what redis-py's
    ``Lock`` does), plus the dirty mark set and taken in the same scripts."""

    def __init__(
        self, store: RedisStore, name: str, token: str, ttl_seconds: float, dirty_name: str, dirty_ttl: float
    ) -> None:
        self.token = token
        self._store = store
        self._keys = [name, dirty_name]
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self._dirty_ttl_ms = max(1, int(dirty_ttl * 1000))

    def acquire(self) -> bool:
        return bool(self._store.lease_acquire(keys=self._keys, args=[self.token, self._ttl_ms, self._dirty_ttl_ms]))

    def renew(self) -> bool:
        return bool(self._store.lease_extend(keys=self._keys[:1], args=[self.token, self._ttl_ms]))

    def release(self) -> LeaseRelease:
        owned, dirty = self._store.lease_release(keys=self._keys, args=[self.token])
        return LeaseRelease(owned=bool(owned), dirty=bool(dirty))


class RedisStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._claim = client.register_script(_CLAIM_SCRIPT)
        self._increment = client.register_script(_INCREMENT_SCRIPT)
        self._take_claim = client.register_script(_TAKE_CLAIM_SCRIPT)
        self.lease_acquire = client.register_script(_LEASE_ACQUIRE_SCRIPT)
        self.lease_extend = client.register_script(_LEASE_EXTEND_SCRIPT)
        self.lease_release = client.register_script(_LEASE_RELEASE_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, socket_timeout: float = 5.0) -> RedisStore:
        # Bounded socket timeouts: a stalled Redis must fail the watcher's enqueue, not hang it.
        return cls(redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout))

    def claim(self, name: str, due: float, ttl_seconds: float, tolerance: float) -> bool:
        return bool(self._claim(keys=[name], args=[repr(due), max(1, math.ceil(ttl_seconds)), repr(tolerance)]))

    def take_claim(self, name: str, earliest: float, latest: float) -> tuple[float | None, bool]:
        value, deleted = self._take_claim(keys=[name], args=[repr(earliest), repr(latest)])
        return (float(value) if value else None), bool(deleted)

    def clear(self, name: str) -> None:
        self.client.delete(name)

    def lease(self, name: str, token: str, ttl_seconds: float, dirty_name: str, dirty_ttl_seconds: float) -> RedisLease:
        return RedisLease(self, name, token, ttl_seconds, dirty_name, dirty_ttl_seconds)

    def increment(self, name: str, ttl_seconds: float) -> int:
        return int(self._increment(keys=[name], args=[max(1, math.ceil(ttl_seconds))]))

    def read_counter(self, name: str) -> int:
        value = self.client.get(name)
        return int(value) if value is not None else 0
