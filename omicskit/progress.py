"""Progress bars: ``tqdm.auto`` (a widget in Jupyter, text in a terminal).

Bars count items (downloads count bytes), go to stderr, and are closed even
when the work fails; ``progress=False`` on the session turns them off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["NullBar", "progress_bar"]


class NullBar:
    """A do-nothing stand-in with tqdm's methods."""

    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        return None

    def close(self) -> None:
        return None


@contextmanager
def progress_bar(total: int | None, desc: str, *, enabled: bool = True, unit: str = "item", **kw: Any) -> Iterator[Any]:
    """A tqdm bar (or :class:`NullBar`) that always closes."""
    if not enabled or (total is not None and total <= 1 and unit != "B"):
        yield NullBar()
        return
    from tqdm.auto import tqdm

    options: dict[str, Any] = {"total": total, "desc": desc, "unit": unit, "leave": False, "dynamic_ncols": True}
    if unit == "B":
        options.update(unit_scale=True, unit_divisor=1024)
    options.update(kw)
    bar = tqdm(**options)
    try:
        yield bar
    finally:
        bar.close()
