"""Fake literature APIs answering from bundled real recordings.

* PMC ID converter (``{idconv_url}/?ids=``): identifiers taken from the real
  PubMed XML records (derived; see ``data/derived.tsv``).
* Unpaywall (``{unpaywall_url}/{doi}?email=``): recorded v2 responses.
* Europe PMC (``{europepmc_url}/search``): the recorded ``cancer`` searches;
  ``EXT_ID:``/``PMID:``/``DOI:``/``PMCID:`` queries are answered by filtering
  the recorded core results (derived envelope).
* Crossref (``{crossref_url}/works/{doi}``): the recorded work, with its
  recorded rate-limit headers.
* arXiv (``{arxiv_url}/query``): recorded Atom feeds, verbatim.
* bioRxiv (``{biorxiv_url}/details/biorxiv/{doi}``): one real record.
"""

from __future__ import annotations

import functools
import json
import re
from urllib.parse import unquote

from ._catalog import data_dir
from ._http import Request, Response, json_response, text_response
from ._pubmed import load_pubmed

__all__ = ["LiteratureService"]


@functools.cache
def _json_files(folder: str) -> dict[str, dict[str, object]]:
    return {p.name: json.loads(p.read_text("utf-8")) for p in sorted((data_dir() / folder).glob("*.json"))}


class LiteratureService:
    """Handlers of the idconv, unpaywall, europepmc, crossref, arxiv and biorxiv services."""

    def __init__(self) -> None:
        self.unpaywall = {str(d["doi"]).lower(): d for d in _json_files("unpaywall").values()}
        self.pubmed = load_pubmed()

    def handle(self, req: Request) -> Response:
        handler = getattr(self, f"_{req.service}")
        resp: Response = handler(req)
        resp.endpoint = resp.endpoint or req.service
        return resp

    # -- PMC ID converter ------------------------------------------------------
    def _idconv(self, req: Request) -> Response:
        ids = [i.strip() for i in req.params.get("ids", "").split(",") if i.strip()]
        records: list[dict[str, str]] = []
        for requested in ids:
            rec = next((r for r in self.pubmed.values() if requested in (r.pmid, *r.article_ids.values())), None)
            ids_of = rec.article_ids if rec else {}
            if rec and "pmc" in ids_of:
                entry = {"pmcid": ids_of["pmc"], "pmid": rec.pmid}
                if "doi" in ids_of:
                    entry["doi"] = ids_of["doi"]
                records.append(entry)
            else:
                key = (
                    "pmcid" if requested.upper().startswith("PMC") else "doi" if requested.startswith("10.") else "pmid"
                )
                records.append({key: requested, "status": "error", "errmsg": "Identifier not found in PMC"})
        payload = {
            "status": "ok",
            "responseDate": "2024-01-01 00:00:00",
            "request": req.query_string,
            "records": records,
        }
        if req.params.get("format", "xml").lower() == "json":
            return json_response(payload, endpoint="idconv", indent=1)
        rows = "".join(
            "<record " + " ".join(f'{k}="{v}"' for k, v in r.items() if k != "status") + "/>\n" for r in records
        )
        return text_response(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<pmcids status="ok">\n{rows}</pmcids>\n', ctype="text/xml"
        )

    # -- Unpaywall -------------------------------------------------------------
    def _unpaywall(self, req: Request) -> Response:
        doi = unquote(req.path.lstrip("/")).lower()
        if not req.params.get("email"):
            msg = "You must provide an email address as a query parameter, like ?email=example@example.com"
            return json_response({"HTTP_status_code": 422, "error": True, "message": msg}, 422)
        record = self.unpaywall.get(doi)
        if record is None:
            msg = f"'{doi}' isn't in Unpaywall. See https://support.unpaywall.org/a/solutions/articles/44000757124"
            return json_response({"HTTP_status_code": 404, "error": True, "message": msg}, 404)
        return json_response(record, indent=2)

    # -- Europe PMC ------------------------------------------------------------
    def _europepmc(self, req: Request) -> Response:
        if req.path.rstrip("/") != "/search":
            return json_response({"errCode": 404, "errMsg": "Not Found"}, 404)
        query = req.params.get("query", "").strip()
        rtype = req.params.get("resultType", "lite").lower()
        files = _json_files("europepmc")
        if query.lower() == "cancer":
            return json_response(files["search_cancer_idlist.json" if rtype == "idlist" else "search_cancer_core.json"])
        core = files["search_cancer_core.json"]
        m = re.fullmatch(r'(EXT_ID|PMID|DOI|PMCID):"?([^"\s]+)"?(?:\s+AND\s+SRC:MED)?', query, re.I)
        results = core["resultList"]["result"] if m else []  # type: ignore[index]
        if m:
            field = {"ext_id": "pmid", "pmid": "pmid", "doi": "doi", "pmcid": "pmcid"}[m.group(1).lower()]
            results = [r for r in results if str(r.get(field, "")).lower() == m.group(2).lower()]
        if not results:
            return json_response(files["search_no_results.json"])
        payload = dict(core)
        payload.update(hitCount=len(results), resultList={"result": results})
        payload.pop("nextCursorMark", None)
        payload.pop("nextPageUrl", None)
        payload["request"] = dict(core["request"], queryString=query, resultType=rtype)  # type: ignore[call-overload]
        return json_response(payload)

    # -- Crossref --------------------------------------------------------------
    def _crossref(self, req: Request) -> Response:
        m = re.fullmatch(r"/works/(.+)", unquote(req.path))
        doi = m.group(1).lower() if m else ""
        path = data_dir() / "crossref" / f"works_{doi.replace('/', '_')}.json"
        headers = {"x-rate-limit-limit": "50", "x-rate-limit-interval": "1s"}
        if not doi or not path.exists():
            resp = text_response("Resource not found.", 404, endpoint="works")
        else:
            resp = Response(200, path.read_bytes(), {"Content-Type": "application/json"}, endpoint="works")
            recorded = json.loads(path.with_name(path.stem + ".headers.json").read_text())
            headers.update({k: v for k, v in recorded.items() if k.startswith("x-")})
        resp.headers.update(headers)
        return resp

    # -- arXiv ---------------------------------------------------------------
    def _arxiv(self, req: Request) -> Response:
        folder = data_dir() / "arxiv"
        feeds = {p.name: p.read_text("utf-8") for p in folder.glob("*.xml")}
        feeds.update({n: str(d["body"]) for n, d in _json_files("arxiv").items()})
        ids = [i.strip() for i in req.params.get("id_list", "").split(",") if i.strip()]
        query = req.params.get("search_query", "").removeprefix("all:").strip().lower()
        body = feeds["rsxiv_query_empty.xml"]
        for name, feed in sorted(feeds.items()):
            if ids and any(re.search(rf"<id>http://arxiv\.org/abs/{re.escape(i)}(v\d+)?</id>", feed) for i in ids):
                body = feed
                break
            if not ids and query == "testing" and name.startswith("q_testing"):
                body = feed
        return text_response(body, endpoint="query", ctype="application/atom+xml")

    # -- bioRxiv ---------------------------------------------------------------
    def _biorxiv(self, req: Request) -> Response:
        path = unquote(req.path).rstrip("/")
        for suffix in ("/na/json", "/json", "/na"):
            path = path.removesuffix(suffix)
        m = re.fullmatch(r"/details/(biorxiv|medrxiv)/(10\.\d+/.+)", path)
        doi = m.group(2) if m else ""
        record = json.loads((data_dir() / "biorxiv" / "record_10.1101_456574.json").read_text("utf-8"))
        if doi.lower() == record["doi"]:
            return json_response({"messages": [{"status": "ok"}], "collection": [record]}, endpoint="details")
        return json_response({"messages": [{"status": "no posts found"}], "collection": []}, endpoint="details")
