"""GEO content methods of :class:`~omicskit.AsyncSession`: samples,
characteristics, platforms, datasets, expression, files and downloads."""

from __future__ import annotations

__all__ = ["GeoMethods"]


class GeoMethods:
    """Mixed into :class:`~omicskit.AsyncSession`; relies on its core attributes
    (``config``, ``transport``, ``store``, ``eutils``, ``_begin``,
    ``_record_errors``, ``_bar``)."""
