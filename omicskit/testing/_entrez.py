"""Entrez query syntax for the fake ``db=gds``: parse, evaluate, translate.

Supported: free words (title/summary/accession, case-insensitive, AND by
default, trailing ``*`` for prefixes), quoted phrases, ``AND``/``OR``/``NOT``
(upper case, as NCBI requires) and parentheses, ``#N`` history references,
and the field tags in :data:`FIELDS` with their long names. Ranges use
``lo:hi[TAG]`` or ``lo[TAG] : hi[TAG]``. Words written before a tag bind to it
(``Homo sapiens[ORGN]`` is the organism "Homo sapiens").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["FIELDS", "EntrezSyntaxError", "Node", "parse_term", "search", "translate"]

Doc = Mapping[str, object]

#: short tag → (full name, description); aliases below map long names and synonyms to the tag.
FIELDS: dict[str, tuple[str, str]] = {
    "ALL": ("All Fields", "All terms from all searchable fields"),
    "UID": ("UID", "Unique number assigned to each document"),
    "TITL": ("Title", "Words in title"),
    "DESC": ("Description", "Words in the summary"),
    "ACCN": ("GEO Accession", "GEO accession (GSE, GSM, GPL, GDS)"),
    "ETYP": ("Entry Type", "Record type: gse, gsm, gpl, gds"),
    "ORGN": ("Organism", "Scientific name of the organism"),
    "PDAT": ("Publication Date", "Date of public release, YYYY/MM/DD"),
    "GTYP": ("DataSet Type", "Series or DataSet type"),
    "NSAM": ("Number of Samples", "Number of samples in the record"),
    "GPL": ("Platform", "GEO platform accession or number"),
    "FILT": ("Filter", 'Limits the records, e.g. "gds sra"[Filter]'),
}
ALIASES = (
    {name.lower(): tag for tag, (name, _d) in FIELDS.items()}
    | {t.lower(): t for t in FIELDS}
    | {
        "accession": "ACCN",
        "geo accession": "ACCN",
        "dataset type": "GTYP",
        "series type": "GTYP",
        "publication date": "PDAT",
        "platform": "GPL",
        "geo platform": "GPL",
        "number of samples": "NSAM",
        "summary": "DESC",
        "entry type": "ETYP",
        "filter": "FILT",
        "sb": "FILT",
    }
)
_TOKEN = re.compile(r'\s*(?:(\()|(\))|("[^"]*")|(\[[^\]]*\])|(#\d+)|(:)(?=\s)|([^\s()\[\]"]+))')


class EntrezSyntaxError(ValueError):
    """The term could not be parsed."""


@dataclass
class Node:
    """A parsed query node: op in {"TERM", "RANGE", "HIST", "AND", "OR", "NOT"}."""

    op: str
    value: str = ""
    tag: str = "ALL"
    phrase: bool = False
    hi: str = ""
    left: Node | None = None
    right: Node | None = None


def _tokens(term: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(term):
        if term[pos:].strip() == "":
            break
        m = _TOKEN.match(term, pos)
        if not m or m.end() == pos:
            raise EntrezSyntaxError(f"cannot parse term near {term[pos:]!r}")
        pos = m.end()
        lp, rp, quoted, tag, hist, colon, word = m.groups()
        if lp or rp:
            out.append(("PAREN", lp or rp))
        elif quoted:
            out.append(("PHRASE", quoted[1:-1]))
        elif tag:
            out.append(("TAG", tag[1:-1]))
        elif hist:
            out.append(("HIST", hist[1:]))
        elif colon:
            out.append(("COLON", ":"))
        elif word in ("AND", "OR", "NOT"):
            out.append(("BOOL", word))
        else:
            out.append(("WORD", word))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("END", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def parse_or(self) -> Node:
        left = self.parse_and()
        while self.peek() == ("BOOL", "OR"):
            self.take()
            left = Node("OR", left=left, right=self.parse_and())
        return left

    def parse_and(self) -> Node:
        left = self.parse_atom()
        while True:
            kind, val = self.peek()
            if kind == "BOOL" and val in ("AND", "NOT"):
                self.take()
                left = Node(val, left=left, right=self.parse_atom())
            elif kind in ("WORD", "PHRASE", "HIST") or (kind, val) == ("PAREN", "("):
                left = Node("AND", left=left, right=self.parse_atom())
            else:
                return left

    def parse_atom(self) -> Node:
        kind, val = self.take()
        if (kind, val) == ("PAREN", "("):
            node = self.parse_or()
            if self.take() != ("PAREN", ")"):
                raise EntrezSyntaxError("unbalanced parentheses")
            return self._tagged(node)
        if kind == "HIST":
            return Node("HIST", val)
        if kind == "PHRASE":
            return self._tagged(Node("TERM", val, phrase=True))
        if kind != "WORD":
            raise EntrezSyntaxError(f"unexpected {val or 'end of term'!r}")
        words = [val]
        while self.peek()[0] == "WORD" and self._next_tagged():
            words.append(self.take()[1])
        node = self._tagged(Node("TERM", " ".join(words), phrase=len(words) > 1))
        return node

    def _next_tagged(self) -> bool:
        j = self.i
        while j < len(self.toks) and self.toks[j][0] == "WORD":
            j += 1
        return j < len(self.toks) and self.toks[j][0] == "TAG"

    def _tagged(self, node: Node) -> Node:
        if self.peek()[0] != "TAG":
            return node
        tag = ALIASES.get(self.take()[1].strip().lower())
        if tag is None:
            tag = "ALL"
        if node.op != "TERM":
            return node
        node.tag = tag
        if tag in ("PDAT", "NSAM") and ":" in node.value:
            lo, _, hi = node.value.partition(":")
            return Node("RANGE", lo.strip(), tag, hi=hi.strip())
        if tag in ("PDAT", "NSAM") and self.peek()[0] == "COLON":
            self.take()
            upper = self.parse_atom()
            return Node("RANGE", node.value, tag, hi=upper.value)
        return node


def parse_term(term: str) -> Node | None:
    """Parse an Entrez term; ``None`` for an empty term."""
    tokens = _tokens(term)
    if not tokens:
        return None
    parser = _Parser(tokens)
    node = parser.parse_or()
    if parser.peek()[0] != "END":
        raise EntrezSyntaxError(f"unexpected {parser.peek()[1]!r}")
    return node


def translate(node: Node | None, parent: str = "") -> str:
    """NCBI-style ``querytranslation``."""
    if node is None:
        return ""
    if node.op == "HIST":
        return f"#{node.value}"
    if node.op == "RANGE":
        return f"{node.value}[{node.tag}] : {node.hi}[{node.tag}]"
    if node.op == "TERM":
        name = FIELDS[node.tag][0]
        value = (
            f'"{node.value}"'
            if node.phrase or " " in node.value or node.tag in ("ORGN", "GTYP", "FILT")
            else node.value
        )
        return f"{value}[{name}]"
    text = f"{translate(node.left, node.op)} {node.op} {translate(node.right, node.op)}"
    return f"({text})" if parent and parent != node.op else text


def _date_bounds(value: str, upper: bool) -> str:
    parts = [p for p in re.split(r"[/-]", value.strip()) if p]
    if not parts or not parts[0].isdigit():
        return "9999/99/99" if not upper else "0000/00/00"
    fill = ["12", "31"] if upper else ["01", "01"]
    parts = parts + fill[len(parts) - 1 :]
    return f"{int(parts[0]):04d}/{int(parts[1]):02d}/{int(parts[2]):02d}"


def _word_match(word: str, text: str) -> bool:
    word = word.lower()
    if word.endswith("*"):
        return re.search(r"(?<!\w)" + re.escape(word[:-1]), text) is not None
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text) is not None


def _matcher(node: Node, haystack: Callable[[Doc], str]) -> Callable[[Doc], bool]:
    tag, value = node.tag, node.value.strip().lower()
    if node.op == "RANGE":
        if tag == "PDAT":
            lo, hi = _date_bounds(node.value, False), _date_bounds(node.hi, True)
            return lambda d: bool(d.get("pdat")) and lo <= str(d["pdat"]) <= hi
        lo_n, hi_n = int(node.value or 0), int(node.hi or 10**9)
        return lambda d: isinstance(d.get("n_samples"), int) and lo_n <= int(str(d["n_samples"])) <= hi_n
    if tag == "ALL":
        return lambda d: _word_match(value, haystack(d))
    if tag == "TITL":
        return lambda d: _word_match(value, str(d.get("title", "")).lower())
    if tag == "DESC":
        return lambda d: _word_match(value, str(d.get("summary", "")).lower())
    if tag == "UID":
        return lambda d: str(d.get("uid")) == value
    if tag == "ACCN":
        return lambda d: str(d.get("accession", "")).lower() == value
    if tag == "ETYP":
        return lambda d: str(d.get("entrytype", "")).lower() == value
    if tag == "ORGN":
        return lambda d: value in [t.strip().lower() for t in str(d.get("taxon", "")).split(";")]
    if tag == "GTYP":
        return lambda d: value in str(d.get("gdstype", "")).lower()
    if tag == "PDAT":
        lo, hi = _date_bounds(node.value, False), _date_bounds(node.value, True)
        return lambda d: lo <= str(d.get("pdat", "")) <= hi
    if tag == "NSAM":
        return lambda d: str(d.get("n_samples")) == value
    if tag == "GPL":
        number = value.removeprefix("gpl")
        return lambda d: number in str(d.get("gpl", "")).split(";")
    if tag == "FILT":
        if value in ("gds sra", "sra"):
            return lambda d: any(
                isinstance(r, dict) and r.get("relationtype") == "SRA"
                for r in d.get("extrelations", []) or []  # type: ignore[attr-defined]
            )
        return lambda d: False
    return lambda d: False


def search(
    node: Node | None,
    docs: Mapping[str, Doc],
    haystack: Callable[[Doc], str],
    history: Callable[[str], list[str]] | None = None,
) -> set[str]:
    """UIDs of ``docs`` matching ``node`` (empty term → nothing, as NCBI)."""
    if node is None:
        return set()
    if node.op in ("AND", "OR", "NOT"):
        left = search(node.left, docs, haystack, history)
        right = search(node.right, docs, haystack, history)
        return left & right if node.op == "AND" else left | right if node.op == "OR" else left - right
    if node.op == "HIST":
        return set(history(node.value) if history else [])
    if node.op == "TERM" and node.tag == "ALL" and " " in node.value:
        words = node.value.split()
        match = lambda d: all(_word_match(w, haystack(d)) for w in words)  # noqa: E731
        if node.phrase:
            phrase = node.value.lower()
            match = lambda d: phrase in haystack(d)  # noqa: E731
        return {uid for uid, d in docs.items() if match(d)}
    matcher = _matcher(node, haystack)
    return {uid for uid, d in docs.items() if matcher(d)}
