"""expression(): series matrices from the mirror (real GSE19161 and GSE99709 files)."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest

from omicskit.errors import InvalidQueryError

from .geo_routes import FTP, geo, listing

MATRIX_19161 = f"{FTP}/series/GSE19nnn/GSE19161/matrix/"
MATRIX_99709 = f"{FTP}/series/GSE99nnn/GSE99709/matrix/"


def test_expression_gse19161(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    data = geo("GSE19161_series_matrix.txt.gz")
    ls = router.get(MATRIX_19161).mock(
        return_value=listing("series/GSE19nnn/GSE19161/matrix", [("GSE19161_series_matrix.txt.gz", len(data))])
    )
    dl = router.get(MATRIX_19161 + "GSE19161_series_matrix.txt.gz").mock(return_value=httpx.Response(200, content=data))
    s = session_factory()
    df = s.expression("GSE19161")
    assert df.shape == (658, 61) and (df.dtypes == np.float64).all()
    assert df.columns[0] == "GSM475065" and df.columns[-1] == "GSM475125"
    assert df.index[0] == "121_at" and df.index[-1] == "45572_s_at"
    assert df.loc["121_at", "GSM475065"] == pytest.approx(10.03559303)
    assert df.loc["200003_s_at", "GSM475067"] == pytest.approx(12.08357048)
    assert df.loc["45572_s_at", "GSM475066"] == pytest.approx(9.079071045)
    assert df.attrs["platform"] == "GPL9717" and df.attrs["accession"] == "GSE19161"
    meta = pd.DataFrame(df.attrs["samples"])
    assert len(meta) == 61 and meta.columns[0] == "accession"
    first = meta.set_index("accession").loc["GSM475065"]
    assert first["ch1.survival in months"] == "66" and first["ch1.event indicator"] == "censored"
    assert first["title"] == "Ovarian cancer sample 1"
    assert s.errors.empty
    again = s.expression("GSE19161")  # listing and file are cached
    assert ls.call_count == 1 and dl.call_count == 1
    pd.testing.assert_frame_equal(again, df)
    both = pd.concat([df, again], axis=1)  # attrs hold plain records, so concat works
    assert both.shape == (658, 122)


def test_header_only_matrix(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    data = geo("GSE99709_series_matrix.txt.gz")
    router.get(MATRIX_99709).mock(
        return_value=listing("series/GSE99nnn/GSE99709/matrix", [("GSE99709_series_matrix.txt.gz", len(data))])
    )
    router.get(MATRIX_99709 + "GSE99709_series_matrix.txt.gz").mock(return_value=httpx.Response(200, content=data))
    s = session_factory()
    df = s.expression("GSE99709")
    assert df.shape == (0, 12) and df.columns[0] == "GSM2650749"
    assert df.attrs["platform"] == "GPL17021" and len(df.attrs["samples"]) == 12
    assert s.errors.empty


def test_several_platforms_need_platform(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    data = geo("GSE19161_series_matrix.txt.gz")
    names = ["GSE19161-GPL570_series_matrix.txt.gz", "GSE19161-GPL9717_series_matrix.txt.gz"]
    ls = router.get(MATRIX_19161).mock(
        return_value=listing("series/GSE19nnn/GSE19161/matrix", [(n, len(data)) for n in names])
    )
    wanted = router.get(MATRIX_19161 + names[1]).mock(return_value=httpx.Response(200, content=data))
    other = router.get(MATRIX_19161 + names[0]).mock(return_value=httpx.Response(200, content=data))
    s = session_factory()
    with pytest.raises(InvalidQueryError, match=r"GPL570, GPL9717.*platform="):
        s.expression("GSE19161")
    assert wanted.call_count == 0 and other.call_count == 0
    df = s.expression("GSE19161", platform="gpl9717")
    assert df.shape == (658, 61) and wanted.call_count == 1 and other.call_count == 0
    with pytest.raises(InvalidQueryError, match="no series matrix for GPL96"):
        s.expression("GSE19161", platform="GPL96")
    # the matrix named for GPL570 holds GPL9717 data: refused rather than mislabelled
    with pytest.raises(InvalidQueryError, match="GPL9717"):
        s.expression("GSE19161", platform="GPL570")
    assert ls.call_count == 1


def test_missing_or_corrupt_matrix_is_an_error_row(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    router.get(MATRIX_19161).mock(return_value=httpx.Response(404, content=b"Not Found"))
    data = geo("GSE99709_series_matrix.txt.gz")
    router.get(MATRIX_99709).mock(
        return_value=listing("series/GSE99nnn/GSE99709/matrix", [("GSE99709_series_matrix.txt.gz", len(data))])
    )
    bad = router.get(MATRIX_99709 + "GSE99709_series_matrix.txt.gz").mock(
        return_value=httpx.Response(200, content=data[:-20])
    )
    s = session_factory(retries=1)
    df = s.expression("GSE19161")
    assert df.empty and s.errors.iloc[0]["accession"] == "GSE19161"
    assert "NotFoundError" in s.errors.iloc[0]["message"]
    assert s.expression("GSE99709").empty and bad.call_count == 2
    assert "gzip" in s.errors.iloc[0]["message"]
    with pytest.raises(InvalidQueryError):
        s.expression("GSM475065")
