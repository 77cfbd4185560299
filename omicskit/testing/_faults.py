"""Deterministic fault injection.

Whether a request gets a fault is a pure function of the seed, the method,
the full target (path + query), the body and how many times that same request
was seen before — so thread scheduling never changes which request fails, and
a retry of a failed request gets a fresh (but equally reproducible) draw.
"""

from __future__ import annotations

import hashlib
import threading

from ._http import Request, Response, html_response, json_response

__all__ = ["ALL_FAULTS", "FaultInjector", "captcha_page", "error_page"]

ALL_FAULTS = ("500", "502", "503", "html408", "captcha", "error200", "truncated", "corrupt_gzip", "reset")
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 408: "Request Timeout"}


def error_page(status: int) -> str:
    """An Apache-style error page as NCBI's front ends send them (408 included)."""
    reason = _REASONS.get(status, "Error")
    detail = {
        408: "Server timeout waiting for the HTTP request from the client.",
        500: "The server encountered an internal error or misconfiguration and was unable to complete your request.",
        502: "The proxy server received an invalid response from an upstream server.",
        503: "The server is temporarily unable to service your request due to maintenance downtime or capacity problems. "
        "Please try again later.",
    }.get(status, "")
    return (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
        f"<title>{status} {reason}</title>\n</head><body>\n<h1>{reason}</h1>\n<p>{detail}</p>\n</body></html>\n"
    )


def captcha_page(url: str) -> str:
    """A challenge page modelled on NCBI's bot check (served instead of SOFT/HTML to scripts)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Verify you are human - NCBI</title>
<meta name="robots" content="noindex,nofollow">
<script src="https://www.google.com/recaptcha/api.js" async defer></script>
</head>
<body>
<div class="ncbi-challenge">
<h1>Please verify you are human</h1>
<p>Our systems have detected unusual traffic from your network. To continue to
<a href="{url}">{url}</a>, please complete the check below.</p>
<form id="challenge-form" action="/geo/verify" method="POST">
<div class="g-recaptcha" data-sitekey="6LdFAKE-omicskit-testing-not-a-real-key"></div>
<input type="hidden" name="return_url" value="{url}">
<button type="submit">Continue</button>
</form>
</div>
</body>
</html>
"""


def _applicable(kind: str, req: Request, resp: Response) -> bool:
    if kind in ("500", "502", "503", "reset"):
        return True
    if kind == "truncated":
        return len(resp.body) >= 2 and req.method != "HEAD"
    if kind == "html408":
        return req.service in ("eutils", "geo", "ftp", "idconv")
    if kind == "captcha":
        return req.service == "geo"
    if kind == "error200":
        return req.service == "eutils" and resp.content_type.startswith("application/json")
    if kind == "corrupt_gzip":
        return resp.body[:2] == b"\x1f\x8b" and len(resp.body) > 24 and req.method != "HEAD"
    return False


class FaultInjector:
    """Decides and applies faults; thread-safe."""

    def __init__(self, rate: float = 0.0, kinds: tuple[str, ...] | list[str] | None = None, seed: int = 0) -> None:
        unknown = set(kinds or ()) - set(ALL_FAULTS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {ALL_FAULTS}")
        self.rate = float(rate)
        self.kinds = tuple(kinds) if kinds else ALL_FAULTS
        self.seed = seed
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def _draw(self, req: Request) -> bytes:
        key = f"{req.method}\0{req.service}{req.target}\0{req.body!r}"
        with self._lock:
            n = self._seen.get(key, 0)
            self._seen[key] = n + 1
        return hashlib.sha256(f"{self.seed}\0{key}\0{n}".encode()).digest()

    def decide(self, req: Request, resp: Response) -> str | None:
        """The fault to inject for this request (None for a genuine answer)."""
        if self.rate <= 0:
            return None
        digest = self._draw(req)
        if int.from_bytes(digest[:4], "big") / 2**32 >= self.rate or not 200 <= resp.status < 300:
            return None
        kinds = [k for k in self.kinds if _applicable(k, req, resp)]
        if not kinds:
            return None
        return kinds[int.from_bytes(digest[4:8], "big") % len(kinds)]

    def apply(self, kind: str, req: Request, resp: Response) -> Response:
        """Turn a genuine response into the faulty one."""
        out: Response
        if kind in ("500", "502", "503"):
            out = html_response(error_page(int(kind)), int(kind))
            if kind == "503":
                out.headers["Retry-After"] = "1"
        elif kind == "html408":
            out = html_response(error_page(408), 408)
        elif kind == "captcha":
            out = html_response(captcha_page(f"https://www.ncbi.nlm.nih.gov/geo{req.target}"))
        elif kind == "error200":
            header = {"type": req.path.strip("/").split(".")[0], "version": "0.3"}
            if req.path.endswith("esearch.fcgi"):
                out = json_response(
                    {
                        "header": header,
                        "esearchresult": {"ERROR": "Search Backend failed: Database is not supported: gds"},
                    }
                )
            else:
                out = json_response({"header": header, "error": "Unable to obtain query #1"})
        elif kind == "corrupt_gzip":
            body = bytearray(resp.body)
            for pos in range(10, len(body) - 8, max(1, (len(body) - 18) // 8)):
                body[pos] ^= 0xFF
            out = Response(resp.status, bytes(body), dict(resp.headers))
        else:  # truncated, reset: transport-level
            out = Response(resp.status, resp.body, dict(resp.headers))
            out.transport = "truncate" if kind == "truncated" else "reset"
        out.endpoint, out.fault, out.replica_of = resp.endpoint, kind, resp.replica_of
        return out
