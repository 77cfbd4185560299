"""Keep secrets (API key, email) out of logs, reprs, errors and output."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["redact"]

# a value after api_key=/email=/mailto= (not a placeholder such as "email=..." in a hint)
_PARAM_RE = re.compile(r"((?:api_key|email|mailto)=)(?!\.\.\.)[^&\s\"'<>()]+", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace ``api_key=``/``email=``/``mailto=`` values and every known
    secret (also in URL-encoded forms) with ``***``."""
    text = _PARAM_RE.sub(r"\1***", text)
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "***")
    return text
