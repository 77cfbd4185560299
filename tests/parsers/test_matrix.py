"""Series-matrix parser tests on the real GSE19161 and GSE99709 matrices.

Expected values were read by hand from the files (tests/data/geo, PROVENANCE.tsv).
"""

from __future__ import annotations

import gzip
import io
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omicskit.errors import ParseError
from omicskit.parsers.matrix import SeriesMatrix, parse_series_matrix

DATA = Path(__file__).resolve().parent.parent / "data" / "geo"
GSE19161 = DATA / "GSE19161_series_matrix.txt.gz"
GSE99709 = DATA / "GSE99709_series_matrix.txt.gz"


@pytest.fixture(scope="module")
def gse19161() -> SeriesMatrix:
    return parse_series_matrix(GSE19161.read_bytes())


def plain(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


def test_gse19161_expression(gse19161: SeriesMatrix) -> None:
    expr = gse19161.expression
    assert expr.shape == (658, 61)
    assert (expr.dtypes == np.float64).all()
    assert expr.index.name == "ID_REF"
    assert expr.index[0] == "121_at" and expr.index[-1] == "45572_s_at"
    assert all(isinstance(i, str) for i in expr.index[:5])
    assert expr.columns[0] == "GSM475065" and expr.columns[-1] == "GSM475125"
    assert expr.loc["121_at", "GSM475065"] == pytest.approx(10.03559303)
    assert expr.loc["45572_s_at", "GSM475125"] == pytest.approx(9.269762039)
    assert not expr.isna().any().any()


def test_gse19161_series_and_samples(gse19161: SeriesMatrix) -> None:
    assert gse19161.platform == "GPL9717"
    series = gse19161.series
    assert series["Series_geo_accession"] == ["GSE19161"]
    assert series["Series_pubmed_id"] == ["21479231"]
    assert len(series["Series_summary"]) == 9  # includes the two empty "" lines
    assert series["Series_sample_id"][0].split()[:2] == ["GSM475065", "GSM475066"]
    samples = gse19161.samples
    assert samples.shape[0] == 61
    assert samples.index.name == "accession"
    assert samples.index[0] == "GSM475065" and samples.index[-1] == "GSM475125"
    assert list(samples.index) == list(gse19161.expression.columns)
    first = samples.loc["GSM475065"]
    assert first["title"] == "Ovarian cancer sample 1"
    assert first["ch1.survival in months"] == "66"
    assert first["ch1.event indicator"] == "censored"
    assert samples.loc["GSM475068", "ch1.survival in months"] == "57"
    assert samples.loc["GSM475125", "ch1.survival in months"] == "8"
    assert samples.loc["GSM475125", "title"] == "Ovarian cancer sample 61"
    assert first["organism_ch1"] == "Homo sapiens"
    assert first["data_row_count"] == "658"
    assert "characteristics_ch1" not in samples.columns


def test_gse99709_header_only_table() -> None:
    matrix = parse_series_matrix(GSE99709.read_bytes())
    assert matrix.platform == "GPL17021"
    assert matrix.expression.shape == (0, 12)
    assert list(matrix.expression.columns) == list(matrix.samples.index)
    assert matrix.expression.columns[0] == "GSM2650749"
    assert (matrix.expression.dtypes == np.float64).all()
    samples = matrix.samples
    assert samples.shape[0] == 12
    first, last = samples.loc["GSM2650749"], samples.loc["GSM2650760"]
    assert first["title"] == "EV2_6" and last["title"] == "CC2_12"
    assert [c for c in samples.columns if c.startswith("ch1.")] == [
        "ch1.strain background",
        "ch1.genotype/variation",
        "ch1.cell type",
        "ch1.viral treatment",
        "ch1.treated with",
    ]
    assert first["ch1.viral treatment"] == "Ad5CMV-eGFP"
    assert last["ch1.treated with"] == "100ng/ul CNTF"
    # repeated !Sample_relation rows are joined
    assert first["relation"] == (
        "BioSample: https://www.ncbi.nlm.nih.gov/biosample/SAMN07197171; "
        "SRA: https://www.ncbi.nlm.nih.gov/sra?term=SRX2885384"
    )
    assert matrix.series["Series_relation"][0] == "SubSeries of: GSE99797"


def test_input_shapes_agree(gse19161: SeriesMatrix) -> None:
    data = GSE19161.read_bytes()
    text = plain(GSE19161)
    with GSE19161.open("rb") as handle:
        from_file = parse_series_matrix(handle)
    chunks = parse_series_matrix(iter([text[i : i + 777] for i in range(0, len(text), 777)]))
    crlf = parse_series_matrix(text.replace(b"\n", b"\r\n"))
    for other in (from_file, chunks, crlf, parse_series_matrix(io.BytesIO(data))):
        pd.testing.assert_frame_equal(other.expression, gse19161.expression)
        pd.testing.assert_frame_equal(other.samples, gse19161.samples)


def test_truncated_matrix_raises() -> None:
    text = plain(GSE19161)
    cut = text[: text.index(b"!series_matrix_table_end")]
    with pytest.raises(ParseError, match="series_matrix_table_end"):
        parse_series_matrix(cut)
    with pytest.raises(ParseError, match="series_matrix_table_end"):
        parse_series_matrix(gzip.compress(cut[: len(cut) - 5000]))
    with pytest.raises(ParseError, match="table_begin"):
        parse_series_matrix(text[: text.index(b"!series_matrix_table_begin")])
    data = GSE19161.read_bytes()
    with pytest.raises(ParseError, match="gzip"):
        parse_series_matrix(data[: len(data) - 100])


def test_html_and_junk_raise() -> None:
    with pytest.raises(ParseError):
        parse_series_matrix(b"<!DOCTYPE html><html><body>captcha</body></html>")
    with pytest.raises(ParseError):
        parse_series_matrix(b"")
    text = plain(GSE19161)
    with pytest.raises(ParseError, match="malformed"):
        parse_series_matrix(text.replace(b"\t10.03559303", b"\tnot-a-number"))


def test_gzip_bomb_capped() -> None:
    with pytest.raises(ParseError, match="max_bytes"):
        parse_series_matrix(GSE19161.read_bytes(), max_bytes=100_000)


def test_na_spellings_and_id_kept_as_text() -> None:
    text = plain(GSE19161)
    edited = text.replace(b'"121_at"\t10.03559303\t10.46644783', b'"NA"\tnull\t')
    matrix = parse_series_matrix(edited)
    assert matrix.expression.index[0] == "NA"
    assert matrix.expression.iloc[0, :2].isna().all()
    assert matrix.expression.iloc[0, 2] == pytest.approx(9.336382866)


def test_wrong_declared_row_count_still_reads_every_row() -> None:
    text = plain(GSE19161)
    for declared in (b'"1"', b'"100000"', b'"x"'):
        matrix = parse_series_matrix(text.replace(b'"658"', declared))
        assert matrix.expression.shape == (658, 61)
        assert matrix.expression.iloc[-1, -1] == pytest.approx(9.269762039)


def _synthetic_matrix(rows: int) -> bytes:
    """The real GSE19161 header with a *rows* x 61 random table (its IDs are fake)."""
    text = plain(GSE19161)
    begin = text.index(b"!series_matrix_table_begin")
    header = text[begin:].split(b"\n", 2)[1]
    values = np.random.default_rng(0).normal(8, 2, (rows, 61))
    body = [b'"%d_at"\t' % i + b"\t".join(b"%.6f" % v for v in row) for i, row in enumerate(values)]
    return gzip.compress(
        text[:begin] + b"!series_matrix_table_begin\n" + header + b"\n" + b"\n".join(body) + b"\n"
        b"!series_matrix_table_end\n",
        compresslevel=1,
    )


def test_peak_memory_is_below_twice_the_result() -> None:
    data = _synthetic_matrix(20_000)  # the header still declares 658 rows
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        matrix = parse_series_matrix(io.BytesIO(data))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    final = int(matrix.expression.memory_usage(deep=True).sum())
    assert matrix.expression.shape == (20_000, 61)
    assert peak < 2 * final


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1500), st.integers(min_value=0, max_value=3000))
def test_arbitrary_bytes_only_raise_parse_error(junk: bytes, cut: int) -> None:
    text = plain(GSE99709)
    begin = text.index(b"!series_matrix_table_begin")
    for candidate in (junk, text[:begin] + junk, text[: begin + cut] + junk, gzip.compress(junk)[:cut]):
        try:
            parse_series_matrix(candidate)
        except ParseError:
            pass
