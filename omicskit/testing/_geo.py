"""Fake GEO: the accession viewer (``{geo_url}/query/acc.cgi``) and the HTTPS mirror (``{ftp_url}``).

The accession viewer answers ``form=text`` with the real SOFT text we hold
(``targ=self|gsm|gpl|all``, ``view=brief`` without data tables, ``quick``
with at most 20 table rows, ``full`` with everything the record has); any
other form gets a CAPTCHA page, as GEO now does for scripts.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import gzip
import threading

from ._catalog import Catalog, SeriesRecord
from ._faults import captcha_page
from ._http import Request, Response, html_response, text_response
from ._mirror import listing_html, parse_range
from ._soft import SoftEntity, series_folder

__all__ = ["GeoService", "MirrorService", "not_found_page"]

_EPOCH = _dt.datetime(2024, 1, 1, 12, 0)


def not_found_page(acc: str) -> str:
    """What the accession viewer shows for an accession it does not know."""
    return (
        "<HTML><HEAD><TITLE>GEO Accession viewer</TITLE></HEAD>\n<BODY>\n"
        f'<font color="#FF0000">Could not find a public or private accession "{acc}"</font>\n'
        "</BODY></HTML>\n"
    )


def _quick(ent: SoftEntity, rows: int = 20) -> bytes:
    out, inside, seen = [], False, 0
    for line in ent.raw.splitlines(keepends=True):
        stripped = line.rstrip(b"\r\n")
        if stripped.startswith(b"!") and stripped.endswith(b"_table_begin"):
            inside, seen = True, -1  # the header row is not counted
        elif stripped.startswith(b"!") and stripped.endswith(b"_table_end"):
            inside = False
        elif inside:
            seen += 1
            if seen > rows:
                continue
        out.append(line)
    return b"".join(out)


class GeoService:
    """Handlers of ``{geo_url}``."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def handle(self, req: Request) -> Response:
        if req.path.rstrip("/") != "/query/acc.cgi":
            return html_response(not_found_page(req.path), 404, endpoint="other")
        resp = self.acc_cgi(req)
        resp.endpoint = "acc.cgi"
        return resp

    def acc_cgi(self, req: Request) -> Response:
        p = req.params
        acc = p.get("acc", "").strip().upper()
        if p.get("form", "html").lower() != "text":
            return html_response(captcha_page(f"https://www.ncbi.nlm.nih.gov/geo{req.target}"))
        targ, view = p.get("targ", "self").lower(), p.get("view", "quick").lower()
        blocks: list[SoftEntity] = []
        rec = self.catalog.record(acc)
        if rec is not None and rec.series is not None:
            blocks = {
                "self": [rec.series],
                "gsm": rec.samples,
                "gpl": rec.platforms,
                "all": [rec.series, *rec.platforms, *rec.samples],
            }.get(targ, [rec.series])
        elif acc in self.catalog.entities:
            blocks = [self.catalog.entities[acc]]
        else:
            return html_response(not_found_page(acc))
        if view == "full":
            body = b"".join(b.raw for b in blocks)
        elif view == "brief":
            body = b"".join(b.brief() for b in blocks)
        else:
            body = b"".join(_quick(b) for b in blocks)
        resp = text_response(body)
        resp.replica_of = rec.replica_of if rec else None
        return resp


class MirrorService:
    """Handlers of ``{ftp_url}`` (GEO's FTP tree over HTTPS)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._gz: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def handle(self, req: Request) -> Response:
        parts = req.path.strip("/").split("/")
        resp: Response | None = None
        if len(parts) >= 3 and parts[0] == "series":
            rec = self.catalog.record(parts[2])
            if rec is not None and rec.series is not None and parts[1] == series_folder(rec.accession):
                resp = self._series(req, rec, parts[3:])
        elif len(parts) >= 3 and parts[0] == "samples":
            resp = self._sample(req, parts)
        elif len(parts) >= 3 and parts[0] == "platforms":
            resp = self._platform(req, parts)
        if resp is None:
            resp = html_response(_not_found(req.path), 404)
            resp.endpoint = "missing"
        return resp

    # -- series -------------------------------------------------------------
    def _series(self, req: Request, rec: SeriesRecord, rest: list[str]) -> Response | None:
        base = rec.folder
        family = f"{rec.accession}_family.soft.gz"
        suppl = self.catalog.suppl(rec)
        folders: dict[str, list[tuple[str, _dt.datetime, int | None]]] = {
            "soft": [(family, _EPOCH, None)],
            "suppl": [(f.name, f.mtime, f.size) for f in suppl],
        }
        if rec.filelist:
            folders["suppl"].append(("filelist.txt", _EPOCH, None))
        if rec.matrix:
            folders["matrix"] = [(name, _EPOCH, None) for name in sorted(rec.matrix)]
        resp: Response | None = None
        if not rest or rest == [""]:
            resp = _listing(base, [(f"{d}/", _EPOCH, None) for d in sorted(folders)], "listing")
        elif rest[0] in folders and (len(rest) == 1 or rest[1] == ""):
            resp = _listing(f"{base}/{rest[0]}", folders[rest[0]], "listing")
        elif len(rest) == 2 and rest[0] == "soft" and rest[1] == family:
            resp = _file(req, self._family_gz(rec), "soft")
        elif len(rest) == 2 and rest[0] == "matrix":
            data = self.catalog.matrix_bytes(rec, rest[1])
            resp = _file(req, data, "matrix") if data is not None else None
        elif len(rest) == 2 and rest[0] == "suppl":
            if rest[1] == "filelist.txt" and rec.filelist:
                from ._catalog import data_dir

                resp = _file(req, (data_dir() / rec.filelist).read_bytes(), "filelist")
            else:
                match = next((f for f in suppl if f.name == rest[1]), None)
                resp = _file(req, match.body(), "suppl", match.mtime) if match else None
        if resp is not None:
            resp.replica_of = rec.replica_of
        return resp

    def _family_gz(self, rec: SeriesRecord) -> bytes:
        with self._lock:
            cached = self._gz.get(rec.accession)
        if cached is None:
            cached = gzip.compress(self.catalog.family_soft(rec), compresslevel=6, mtime=0)
            with self._lock:
                self._gz[rec.accession] = cached
        return cached

    # -- samples / platforms -------------------------------------------------
    def _sample(self, req: Request, parts: list[str]) -> Response | None:
        gsm = parts[2].upper()
        files = self.catalog.sample_suppl(gsm)
        if files is None or parts[1] != series_folder(gsm):
            return None
        rest = parts[3:]
        if not rest or rest == [""]:
            return _listing("/".join(parts[:3]), [("suppl/", _EPOCH, None)], "listing")
        if rest[0] == "suppl" and (len(rest) == 1 or rest[1] == ""):
            return _listing("/".join(parts[:4]), [(f.name, f.mtime, f.size) for f in files], "listing")
        match = next((f for f in files if len(rest) == 2 and f.name == rest[1]), None)
        return _file(req, match.body(), "suppl", match.mtime) if match else None

    def _platform(self, req: Request, parts: list[str]) -> Response | None:
        gpl = parts[2].upper()
        ent = self.catalog.entities.get(gpl)
        if ent is None or ent.kind != "PLATFORM" or parts[1] != series_folder(gpl):
            return None
        rest = parts[3:]
        name = f"{gpl}_family.soft.gz"
        if not rest or rest == [""]:
            return _listing("/".join(parts[:3]), [("soft/", _EPOCH, None)], "listing")
        if rest[0] == "soft" and (len(rest) == 1 or rest[1] == ""):
            return _listing("/".join(parts[:4]), [(name, _EPOCH, None)], "listing")
        if rest == ["soft", name]:
            # Derived: only the platform block we hold (a real GPL family also lists its series/samples).
            return _file(req, gzip.compress(ent.raw, mtime=0), "soft")
        return None


def _not_found(path: str) -> str:
    return (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n'
        f"</head><body>\n<h1>Not Found</h1>\n<p>The requested URL /geo{path} was not found on this server.</p>\n"
        "</body></html>\n"
    )


def _listing(path: str, entries: list[tuple[str, _dt.datetime, int | None]], endpoint: str) -> Response:
    return html_response(listing_html(path, entries), endpoint=endpoint)


def _file(req: Request, data: bytes, endpoint: str, mtime: _dt.datetime = _EPOCH) -> Response:
    """A file body with ``Range`` (206/416) support."""
    ctype = (
        "application/x-gzip"
        if req.path.endswith(".gz")
        else "text/plain"
        if req.path.endswith(".txt")
        else ("application/octet-stream")
    )
    headers = {
        "Content-Type": ctype,
        "Accept-Ranges": "bytes",
        "Last-Modified": email.utils.format_datetime(mtime.replace(tzinfo=_dt.timezone.utc), usegmt=True),
    }
    rng = req.header("Range")
    if rng and req.method != "HEAD":
        span = parse_range(rng, len(data))
        if span is None:
            headers["Content-Range"] = f"bytes */{len(data)}"
            return Response(416, b"", headers, endpoint=endpoint)
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return Response(206, data[start : end + 1], headers, endpoint=endpoint)
    return Response(200, data, headers, endpoint=endpoint)
