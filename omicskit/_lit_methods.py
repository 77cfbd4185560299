"""Literature methods of :class:`~omicskit.AsyncSession`: publications and
legal open-access full text."""

from __future__ import annotations

__all__ = ["LiteratureMethods"]


class LiteratureMethods:
    """Mixed into :class:`~omicskit.AsyncSession`; relies on its core attributes."""
