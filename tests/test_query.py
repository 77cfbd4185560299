from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omicskit.errors import InvalidQueryError
from omicskit.services.query import build_query, clean_term


def test_full_fielded_query() -> None:
    term = build_query(
        "breast cancer",
        organism="Homo sapiens",
        series_type="Expression profiling by high throughput sequencing",
        published=("2020", "2024"),
        min_samples=10,
        max_samples=200,
        has_sra=True,
        platform="gpl570",
    )
    assert term == (
        '(breast cancer) AND "Homo sapiens"[ORGN] AND '
        '"Expression profiling by high throughput sequencing"[DataSet Type] AND GPL570[ACCN] AND '
        '2020/01/01:2024/12/31[PDAT] AND 10:200[Number of Samples] AND "gds sra"[Filter] AND gse[ETYP]'
    )


def test_common_names_and_case() -> None:
    assert build_query(organism="mouse") == '"Mus musculus"[ORGN] AND gse[ETYP]'
    assert build_query(organism="homo SAPIENS") == '"Homo sapiens"[ORGN] AND gse[ETYP]'
    assert build_query(organism="Danio rerio", entry_type="gsm").endswith("gsm[ETYP]")
    # an organism not in the table but well formed is accepted
    assert build_query(organism="Nothobranchius furzeri").startswith('"Nothobranchius furzeri"')


def test_has_sra_false_and_single_year() -> None:
    assert build_query(has_sra=False) == 'gse[ETYP] NOT "gds sra"[Filter]'
    assert build_query("x", published="2021") == "(x) AND 2021/01/01:2021/12/31[PDAT] AND gse[ETYP]"
    assert build_query("x", published=(None, "2003/06")) == "(x) AND 1900/01/01:2003/06/31[PDAT] AND gse[ETYP]"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "empty search"),
        ({"query": "   "}, "empty search"),
        ({"organism": "Homo sapien"}, "did you mean 'Homo sapiens'"),
        ({"organism": "humann"}, "unknown organism"),
        ({"organism": "42"}, "unknown organism"),
        ({"series_type": "RNA-seq"}, "unknown series_type"),
        ({"series_type": "expression profiling by arrays"}, "did you mean"),
        ({"query": "x", "published": ("2024", "2020")}, "impossible date range"),
        ({"query": "x", "published": "2020/13"}, "impossible date"),
        ({"query": "x", "min_samples": 50, "max_samples": 5}, "larger than max_samples"),
        ({"query": "x", "min_samples": -1}, "non-negative"),
        ({"query": "x", "platform": "570"}, "GPL accession"),
        ({"query": "x", "entry_type": "srr"}, "entry_type"),
        ({"query": "x", "colour": "red"}, "unknown search filter"),
    ],
)
def test_bad_input_is_rejected_before_requests(kwargs: dict, fragment: str) -> None:
    with pytest.raises(InvalidQueryError, match=fragment.replace("(", r"\(")):
        build_query(**kwargs)


def test_clean_term_handles_control_chars_and_quotes() -> None:
    assert clean_term('cancer\x00\x1b[31m "tumor') == "cancer [31m tumor"
    assert clean_term('"p53" mutant') == '"p53" mutant'
    assert clean_term("a\tb\nc") == "a b c"


@given(st.text(max_size=300))
def test_property_query_builder_never_emits_control_chars_or_odd_quotes(text: str) -> None:
    try:
        term = build_query(text)
    except InvalidQueryError:
        assert not clean_term(text)
        return
    assert term.count('"') % 2 == 0
    assert not any(ord(c) < 32 for c in term)
    assert term.endswith("gse[ETYP]")
