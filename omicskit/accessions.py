"""Accession parsing and GEO folder arithmetic.

Accepts ``GSE100750``, ``gse100750``, `` GSE100750 `` and ``db=gds`` UIDs
(``200100750``); rejects anything else with :class:`InvalidAccessionError`.
UID arithmetic (GSE n → 200000000+n, GSM → 300000000+n, GPL → 100000000+n,
GDS → n) is only a cross-check: records are mapped through the DocSum's own
``accession`` field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import InvalidAccessionError

__all__ = [
    "ACCEPTED_FORMS",
    "accession_to_uid",
    "as_accession_list",
    "kind_of",
    "mirror_folder",
    "normalize_accession",
    "uid_to_accession",
]

ACCEPTED_FORMS = "GSE/GSM/GPL/GDS followed by digits (e.g. GSE100750, gsm804) or a numeric db=gds UID (e.g. 200100750)"
_ACC_RE = re.compile(r"(GSE|GSM|GPL|GDS)([1-9][0-9]{0,9})", re.IGNORECASE)
_UID_RE = re.compile(r"[1-9][0-9]{0,9}")
_OFFSETS = {"GPL": 100_000_000, "GSE": 200_000_000, "GSM": 300_000_000, "GDS": 0}
_MAX_ACC_LEN = 32


def normalize_accession(value: object, *, allow_uid: bool = True) -> str:
    """Return the canonical upper-case accession for *value*.

    >>> normalize_accession(" gse100750 ")
    'GSE100750'
    >>> normalize_accession("200100750")
    'GSE100750'
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidAccessionError(value, ACCEPTED_FORMS)
    text = str(value).strip()
    if len(text) > _MAX_ACC_LEN:
        raise InvalidAccessionError(value, ACCEPTED_FORMS)
    m = _ACC_RE.fullmatch(text)
    if m:
        return m.group(1).upper() + m.group(2)
    if allow_uid and _UID_RE.fullmatch(text):
        return uid_to_accession(int(text))
    raise InvalidAccessionError(value, ACCEPTED_FORMS)


def kind_of(accession: str) -> str:
    """``"GSE"``, ``"GSM"``, ``"GPL"`` or ``"GDS"`` for a normalised accession."""
    return accession[:3]


def accession_to_uid(accession: str) -> int:
    """The ``db=gds`` UID NCBI uses for *accession* (cross-check only)."""
    acc = normalize_accession(accession, allow_uid=False)
    return _OFFSETS[acc[:3]] + int(acc[3:])


def uid_to_accession(uid: int) -> str:
    """Best-effort inverse of :func:`accession_to_uid`."""
    if uid <= 0:
        raise InvalidAccessionError(uid, ACCEPTED_FORMS)
    if uid >= 300_000_000:
        return f"GSM{uid - 300_000_000}"
    if uid >= 200_000_000:
        return f"GSE{uid - 200_000_000}"
    if uid >= 100_000_000:
        return f"GPL{uid - 100_000_000}"
    return f"GDS{uid}"


def as_accession_list(accessions: str | Iterable[object], *, allow_uid: bool = True) -> list[str]:
    """Normalise one accession or an iterable of them, keeping order and
    dropping duplicates. Raises on the first invalid value."""
    items: Iterable[object] = [accessions] if isinstance(accessions, (str, int)) else accessions
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(normalize_accession(item, allow_uid=allow_uid), None)
    return list(seen)


def mirror_folder(accession: str) -> str:
    """The HTTPS-mirror folder of an accession, e.g. ``series/GSE100nnn/GSE100750``.

    The ``nnn`` folder drops the last three digits; below 1000 it is ``GSEnnn``.
    """
    acc = normalize_accession(accession, allow_uid=False)
    prefix, digits = acc[:3], acc[3:]
    stub = f"{prefix}{digits[:-3]}nnn" if len(digits) > 3 else f"{prefix}nnn"
    area = {"GSE": "series", "GSM": "samples", "GPL": "platforms", "GDS": "datasets"}[prefix]
    return f"{area}/{stub}/{acc}"
