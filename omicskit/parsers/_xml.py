"""Safe decoding of untrusted XML and JSON payloads.

Every parser in :mod:`omicskit.parsers` receives bytes from the network (or a
cache) and must never expand entities or resolve external references.
:func:`parse_xml` uses :mod:`defusedxml`: an internal DTD subset that declares
any entity (the "billion laughs" and external-entity tricks) is refused, as is
any external entity reference; a plain ``<!DOCTYPE ... PUBLIC "..." "...dtd">``
line, which NCBI puts at the top of every E-utilities answer, is accepted
and never fetched. Every failure surfaces as :class:`omicskit.errors.ParseError`.

:func:`load_json` is the JSON counterpart (same error contract), and
:func:`text_of` / :func:`local_name` are small element helpers shared by the
literature parsers.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as _ExpatParseError

from defusedxml import ElementTree as _SafeET
from defusedxml.common import DefusedXmlException

from omicskit.errors import ParseError

__all__ = ["load_json", "local_name", "parse_xml", "text_of"]

_SPACE = re.compile(r"\s+")


def _as_bytes(data: bytes | bytearray | memoryview | str) -> bytes:
    """Return *data* as bytes (str is encoded as UTF-8)."""
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


def parse_xml(data: bytes | bytearray | memoryview | str) -> Element:
    """Parse *data* into an Element without entity expansion or external resolution.

    Raises :class:`ParseError` on empty input, malformed or truncated XML, and
    on any entity declaration or external reference.
    """
    raw = _as_bytes(data)
    if not raw.strip():
        raise ParseError("empty XML payload")
    try:
        root = _SafeET.fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseError(f"unsafe XML refused ({type(exc).__name__}): {exc}") from exc
    except _ExpatParseError as exc:
        raise ParseError(f"malformed XML: {exc}") from exc
    return root  # type: ignore[no-any-return]


def load_json(data: bytes | bytearray | memoryview | str) -> Any:
    """Decode a JSON payload, raising :class:`ParseError` on empty, malformed or truncated input."""
    raw = _as_bytes(data)
    if not raw.strip():
        raise ParseError("empty JSON payload")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"malformed JSON: {exc}") from exc


def local_name(tag: str) -> str:
    """Strip a ``{namespace}`` prefix from an element tag."""
    return tag.rsplit("}", 1)[-1]


def text_of(element: Element | None) -> str | None:
    """All text inside *element* (inline markup such as ``<i>`` included), whitespace collapsed.

    Returns ``None`` for a missing element or one without any text.
    """
    if element is None:
        return None
    text = _SPACE.sub(" ", "".join(element.itertext())).strip()
    return text or None
