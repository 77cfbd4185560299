"""Fake E-utilities: esearch, esummary, elink, efetch and einfo for ``db=gds`` (and PubMed).

Shapes follow NCBI's JSON (``version 0.3``): every number in esearch is a
string; esummary refuses more than 500 UIDs in JSON with an ``error`` inside
HTTP 200; unknown UIDs get per-UID ``error`` entries.
"""

from __future__ import annotations

import secrets
import threading
from urllib.parse import parse_qsl

from ._catalog import LITERATURE_PAIRING, Catalog
from ._entrez import FIELDS, EntrezSyntaxError, parse_term, search, translate
from ._http import Request, Response, json_response, text_response
from ._pubmed import load_pubmed, pubmed_docsum, pubmed_set

__all__ = ["EutilsService", "History"]

TOO_MANY = "Too many UIDs in request. Maximum number of UIDs is 500 for JSON format output."


class History:
    """The Entrez history server: WebEnv → list of stored UID lists (query_key = index + 1)."""

    def __init__(self) -> None:
        self._envs: dict[str, list[list[str]]] = {}
        self._lock = threading.Lock()

    def store(self, uids: list[str], webenv: str | None = None) -> tuple[str, str]:
        with self._lock:
            if not webenv or webenv not in self._envs:
                webenv = "MCID_" + secrets.token_hex(12)
                self._envs[webenv] = []
            self._envs[webenv].append(list(uids))
            return webenv, str(len(self._envs[webenv]))

    def get(self, webenv: str, query_key: str) -> list[str] | None:
        with self._lock:
            queries = self._envs.get(webenv)
            if not queries or not query_key.isdigit() or not 1 <= int(query_key) <= len(queries):
                return None
            return list(queries[int(query_key) - 1])


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default  # type: ignore[arg-type]
    except ValueError:
        return default


def _ids(req: Request) -> list[str]:
    """All ``id`` values (repeated parameters and comma lists) from query and form body."""
    pairs = parse_qsl(req.query_string) + (parse_qsl(req.body.decode("utf-8", "replace")) if req.body else [])
    return [i.strip() for k, v in pairs if k == "id" for i in v.split(",") if i.strip()]


class EutilsService:
    """Request handlers of ``{eutils_url}``."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.history = History()
        self.pubmed = load_pubmed()
        self._haystacks: dict[str, str] = {}
        replicas = catalog.replicas()
        for uid, doc in catalog.docsums.items():
            extra = " replica" if str(doc["accession"]) in replicas else ""
            self._haystacks[uid] = f"{doc.get('title', '')} {doc.get('summary', '')} {doc['accession']}{extra}".lower()

    def handle(self, req: Request) -> Response:
        name = req.path.strip("/")
        handler = {
            "esearch.fcgi": self.esearch,
            "esummary.fcgi": self.esummary,
            "elink.fcgi": self.elink,
            "efetch.fcgi": self.efetch,
            "einfo.fcgi": self.einfo,
        }.get(name)
        if handler is None:
            return text_response(f"Unknown E-utility {name!r}\n", 404, endpoint="unknown")
        resp = handler(req)
        resp.endpoint = name.split(".")[0]
        return resp

    # -- esearch ------------------------------------------------------------
    def esearch(self, req: Request) -> Response:
        p = req.params
        db = p.get("db", "pubmed")
        header = {"type": "esearch", "version": "0.3"}
        term, webenv, query_key = p.get("term", "").strip(), p.get("WebEnv", ""), p.get("query_key", "")
        retstart, retmax = _int(p.get("retstart"), 0), min(_int(p.get("retmax"), 20), 10000)
        result: dict[str, object]
        if db == "pubmed":
            docs = {pmid: pubmed_docsum(r) for pmid, r in self.pubmed.items()}
            hay = {pmid: str(d["title"]).lower() for pmid, d in docs.items()}
        else:
            docs, hay = self.catalog.docsums, self._haystacks  # type: ignore[assignment]
        try:
            node = parse_term(term)
        except EntrezSyntaxError as exc:
            result = {
                "count": "0",
                "retmax": "0",
                "retstart": "0",
                "idlist": [],
                "translationset": [],
                "ERROR": f"Invalid query: {exc}",
            }
            return json_response({"header": header, "esearchresult": result})
        if node is None and webenv and query_key:
            stored = self.history.get(webenv, query_key)
            if stored is None:
                return json_response(
                    {"header": header, "esearchresult": {"ERROR": f"Unable to obtain query #{query_key}"}}
                )
            uids, translation = stored, ""
        else:
            found = search(node, docs, lambda d: hay[str(d["uid"])], lambda k: self.history.get(webenv, k) or [])
            uids = sorted(found, key=lambda u: -int(u))
            translation = translate(node)
        page = uids[retstart : retstart + retmax]
        result = {"count": str(len(uids)), "retmax": str(len(page)), "retstart": str(retstart)}
        if p.get("usehistory", "").lower() == "y":
            if node is None and webenv and query_key:
                result.update(querykey=query_key, webenv=webenv)
            else:
                env, key = self.history.store(uids, webenv or None)
                result.update(querykey=key, webenv=env)
        result.update(idlist=page, translationset=[], querytranslation=translation)
        return json_response({"header": header, "esearchresult": result})

    # -- esummary -----------------------------------------------------------
    def esummary(self, req: Request) -> Response:
        p = req.params
        db = p.get("db", "pubmed")
        header = {"type": "esummary", "version": "0.3"}
        ids = _ids(req)
        if not ids and p.get("WebEnv") and p.get("query_key"):
            stored = self.history.get(p["WebEnv"], p["query_key"])
            if stored is None:
                return json_response({"header": header, "error": f"Unable to obtain query #{p['query_key']}"})
            start = _int(p.get("retstart"), 0)
            ids = stored[start : start + min(_int(p.get("retmax"), 10000), 10000)]
        if not ids:
            return json_response({"header": header, "error": "Empty id list - nothing todo"})
        if len(ids) > 500:
            return json_response({"header": header, "error": TOO_MANY})
        result: dict[str, object] = {"uids": ids}
        for uid in ids:
            if db == "pubmed":
                rec = self.pubmed.get(uid)
                doc = pubmed_docsum(rec) if rec else None
            else:
                doc = self.catalog.docsums.get(uid)
            result[uid] = doc if doc is not None else {"uid": uid, "error": "cannot get document summary"}
        replica = next((a for a in (self._accession(u) for u in ids) if a in self.catalog.replicas()), None)
        resp = json_response({"header": header, "result": result})
        resp.replica_of = self.catalog.replicas().get(replica) if replica else None
        return resp

    def _accession(self, uid: str) -> str:
        doc = self.catalog.docsums.get(uid)
        return str(doc["accession"]) if doc else ""

    # -- elink --------------------------------------------------------------
    def elink(self, req: Request) -> Response:
        p = req.params
        dbfrom, db = p.get("dbfrom", "gds"), p.get("db", "pubmed")
        pairs = parse_qsl(req.query_string) + (parse_qsl(req.body.decode("utf-8", "replace")) if req.body else [])
        groups = [[i.strip() for i in v.split(",") if i.strip()] for k, v in pairs if k == "id"]
        linksets = []
        for group in groups or [[]]:
            links: list[str] = []
            for uid in group:
                links.extend(pmid for pmid in self._pubmed_links(uid) if pmid not in links)
            linkset: dict[str, object] = {"dbfrom": dbfrom, "ids": group}
            if links and dbfrom == "gds" and db == "pubmed":
                linkset["linksetdbs"] = [{"dbto": "pubmed", "linkname": "gds_pubmed", "links": links}]
            linksets.append(linkset)
        return json_response({"header": {"type": "elink", "version": "0.3"}, "linksets": linksets})

    def _pubmed_links(self, uid: str) -> list[str]:
        doc = self.catalog.docsums.get(uid)
        if doc is None:
            return []
        acc = str(doc["accession"])
        acc = self.catalog.replicas().get(acc, acc)
        pairing = LITERATURE_PAIRING.get(acc)
        return list(pairing.pmids) if pairing else [str(x) for x in doc.get("pubmedids", []) or []]  # type: ignore[attr-defined]

    # -- efetch / einfo -------------------------------------------------------
    def efetch(self, req: Request) -> Response:
        if req.params.get("db", "pubmed") != "pubmed":
            return text_response("Error: only db=pubmed is served by the fake efetch\n", 400)
        records = [self.pubmed[i] for i in _ids(req) if i in self.pubmed]
        return text_response(pubmed_set(records), ctype="text/xml")

    def einfo(self, req: Request) -> Response:
        db = req.params.get("db", "")
        header = {"type": "einfo", "version": "0.3"}
        if not db:
            return json_response({"header": header, "einforesult": {"dblist": ["gds", "pubmed"]}})
        fields = [
            {
                "name": tag,
                "fullname": full,
                "description": desc,
                "termcount": "",
                "isdate": "Y" if tag == "PDAT" else "N",
                "isnumerical": "Y" if tag in ("NSAM", "UID") else "N",
                "singletoken": "Y" if tag in ("ACCN", "ETYP", "UID") else "N",
                "hierarchy": "N",
                "ishidden": "N",
            }
            for tag, (full, desc) in FIELDS.items()
        ]
        info = {
            "dbname": db,
            "menuname": "GEO DataSets" if db == "gds" else "PubMed",
            "description": "GEO DataSets (omicskit fake)" if db == "gds" else "PubMed (omicskit fake)",
            "dbbuild": "omicskit-fake",
            "count": str(len(self.catalog.docsums) if db == "gds" else len(self.pubmed)),
            "lastupdate": "2024/01/01 00:00",
            "fieldlist": fields if db == "gds" else [],
            "linklist": [],
        }
        return json_response({"header": header, "einforesult": {"dbinfo": [info]}})
