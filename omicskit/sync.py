"""The synchronous :class:`Session`: the async session on a private event loop.

Each ``Session`` runs its :class:`~omicskit.AsyncSession` on an event loop in
a daemon thread of its own (a "portal"). Calls from a plain script, from a
Jupyter cell (where the main thread already runs a loop) and from worker
threads all submit coroutines to that loop and wait for the answer, so no
event loop is ever re-entered: nest-asyncio is not needed and nothing is
patched globally. Ctrl-C / a kernel interrupt cancels the running call;
items that finished are already in the cache and the session stays usable.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .errors import SessionClosedError
from .session import DEFAULT, AsyncSession

__all__ = ["CacheControl", "Session"]

T = TypeVar("T")


class _Portal:
    """An event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="omicskit-loop", daemon=True)
        self.thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError("a Session method was called from inside its own event loop; use AsyncSession there")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            try:
                future.result(timeout=30)
            except (concurrent.futures.CancelledError, Exception):
                pass
            raise

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


class CacheControl:
    """``Session.cache``: ``stats()``, ``clear(kind=None)`` and the backend."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def backend(self) -> Any:
        return self._session._async.backend

    def stats(self) -> dict[str, Any]:
        """``hits, misses, hit_rate, items, bytes, errors`` (and more)."""
        return self._session._call(self._session._async.cache_stats())

    def clear(self, kind: str | None = None) -> int:
        """Delete cached items, all or of one kind (``"docsum"``, ``"soft-gsm"``, ...)."""
        return self._session._call(self._session._async.cache_clear(kind))

    def __repr__(self) -> str:
        return f"<CacheControl backend={getattr(self.backend, 'name', '?')}>"


class Session:
    """Synchronous omicskit session.

    >>> import omicskit as ok
    >>> with ok.Session(email="me@lab.org", cache="memory") as s:   # doctest: +SKIP
    ...     hits = s.search("breast cancer", organism="Homo sapiens", limit=20)

    Arguments are those of :class:`AsyncSession`: ``email``, ``api_key``,
    ``cache`` (default diskcache dir, a path, ``"redis://host:port/db"``,
    ``"memory"``, ``False``/``"none"`` or a backend object), ``offline``,
    ``progress``, ``config`` and any :class:`~omicskit.Config` field.
    """

    def __init__(
        self,
        email: str | None = None,
        api_key: str | None = None,
        *,
        cache: Any = DEFAULT,
        offline: bool = False,
        progress: bool = True,
        config: Any = None,
        **kwargs: Any,
    ) -> None:
        self._portal = _Portal()
        self._closed = False
        try:
            self._async: AsyncSession = self._portal.call(
                self._create(
                    email=email,
                    api_key=api_key,
                    cache=cache,
                    offline=offline,
                    progress=progress,
                    config=config,
                    **kwargs,
                )
            )
        except BaseException:
            self._portal.stop()
            raise
        self.cache = CacheControl(self)

    @staticmethod
    async def _create(**kwargs: Any) -> AsyncSession:
        return AsyncSession(**kwargs)

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coro.close()
            raise SessionClosedError("this session is closed; open a new one")
        return self._portal.call(coro)

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        """Close everything the session opened. Idempotent."""
        if self._closed:
            return
        try:
            self._portal.call(self._async.aclose())
        finally:
            self._closed = True
            self._portal.stop()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        if not getattr(self, "_closed", True) and hasattr(self, "_portal"):
            try:
                self.close()
            except Exception:
                pass

    @property
    def closed(self) -> bool:
        return self._closed

    # -- delegated state ---------------------------------------------------------------
    @property
    def config(self) -> Any:
        return self._async.config

    @property
    def errors(self) -> Any:
        """Per-item failures of the last call (a DataFrame)."""
        return self._async.errors

    @property
    def offline(self) -> bool:
        return self._async.offline

    def _repr_html_(self) -> str:
        """Rich display in Jupyter: identity (never the key), cache, limits, counters."""
        from .display import session_html

        return session_html(self)

    @property
    def async_session(self) -> AsyncSession:
        """The underlying :class:`AsyncSession` (runs on this session's loop)."""
        return self._async

    def __repr__(self) -> str:
        return repr(self._async).replace("AsyncSession", "Session", 1)


def _make_sync(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Session, *args: Any, **kwargs: Any) -> Any:
        return self._call(getattr(self._async, name)(*args, **kwargs))

    call.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    return call


def _install_sync_methods() -> None:
    """Give :class:`Session` a blocking twin of every public coroutine method."""
    for name, member in inspect.getmembers(AsyncSession, inspect.iscoroutinefunction):
        if name.startswith("_") or name in {"aclose", "close", "cache_stats", "cache_clear"} or hasattr(Session, name):
            continue
        setattr(Session, name, _make_sync(name, member))


_install_sync_methods()
