"""Small asyncio helpers shared by the services' fetch functions.

Fetch functions handed to :meth:`omicskit.cache.fetch.RecordStore.get_many`
are async generators that yield ``{ident: value | exception}`` batches as
work finishes, so each batch is cached at once and an interrupted job keeps
what finished. These helpers are that pattern, written once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

from .errors import OmicsKitError, ParseError

__all__ = ["as_completed_results", "per_item"]

T = TypeVar("T")
logger = logging.getLogger("omicskit")


async def as_completed_results(awaitables: Iterable[Awaitable[T]]) -> AsyncIterator[T]:
    """Yield the results of *awaitables* as they complete; on exit (also on
    cancellation or an early ``break``) cancel and await whatever is left."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def per_item(
    idents: Iterable[str],
    fetch_one: Callable[[str], Awaitable[Any]],
    *,
    limit: int | None = None,
    on_done: Callable[[int], None] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Run ``fetch_one(ident)`` for every ident (at most *limit* at once; the
    transport's limiters pace the requests) and yield ``{ident: value |
    exception}`` as each finishes. One item's failure never stops the others:
    omicskit errors are kept as they are, a parser surprise (``ValueError``,
    ``KeyError``, ``TypeError``) becomes a :class:`ParseError` for that item."""
    gate = asyncio.Semaphore(limit) if limit else None

    async def guarded(ident: str) -> dict[str, Any]:
        try:
            if gate is None:
                return {ident: await fetch_one(ident)}
            async with gate:
                return {ident: await fetch_one(ident)}
        except OmicsKitError as exc:
            return {ident: exc}
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("unexpected %s for %s: %s", type(exc).__name__, ident, exc)
            return {ident: ParseError(f"{ident}: {type(exc).__name__}: {exc}")}
        finally:
            if on_done is not None:
                on_done(1)

    async for batch in as_completed_results(guarded(i) for i in idents):
        yield batch
