"""Share one cache through Redis, as a team on a JupyterHub would.

Starts a throwaway ``redis-server`` on a free loopback port (Debian's
``redis-server`` package must be installed) and the in-repo fake services;
the second session gets everything from Redis without any request.
"""

from __future__ import annotations

import omicskit as ok
from omicskit.testing import FakeServices
from omicskit.testing.redis_server import RedisServer

SERIES = ["GSE19161", "GSE150868", "GSE93431"]


def main() -> None:
    with FakeServices() as fake, RedisServer() as redis:
        with ok.Session(email="alice@lab.org", cache=redis.url, progress=False, **fake.config_overrides()) as alice:
            alice.samples(SERIES)
            print("alice:", alice.async_session.transport.stats["requests"], "requests")
        with ok.Session(email="bob@lab.org", cache=redis.url, progress=False, **fake.config_overrides()) as bob:
            smp = bob.samples(SERIES)
            stats = bob.cache.stats()
            print(f"bob: {bob.async_session.transport.stats['requests']} requests, {len(smp)} samples,")
            print(f"     cache {stats['backend']}: {stats['hits']} hits, {stats['misses']} misses")


if __name__ == "__main__":
    main()
