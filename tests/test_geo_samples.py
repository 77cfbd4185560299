"""Samples, characteristics, platforms and GDS records from real SOFT fixtures."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest

from .geo_routes import CAPTCHA, FTP, VIEWER, geo, gunzip, samples_of, viewer_side_effect

FAMILY_19161 = f"{FTP}/series/GSE19nnn/GSE19161/soft/GSE19161_family.soft.gz"
SUPER_SUBS = ("GSE146537", "GSE146538", "GSE146539", "GSE146540", "GSE146541")


def series_ids(name: str) -> list[str]:
    return [
        line.split("=", 1)[1].strip()
        for line in geo(name).decode().splitlines()
        if line.startswith("!Series_sample_id")
    ]


def test_series_samples_from_the_viewer(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    route = router.get(url__startswith=VIEWER).mock(
        side_effect=viewer_side_effect({("GSE100750", "gsm"): geo("GSE100750_GSM.soft")})
    )
    s = session_factory()
    df = s.samples("GSE100750")
    assert route.call_count == 1
    params = route.calls[0].request.url.params
    assert (params["acc"], params["targ"], params["form"], params["view"]) == ("GSE100750", "gsm", "text", "brief")
    assert len(df) == 18 and df.accession.is_unique
    assert list(df.columns[:12]) == [
        "accession",
        "series",
        "title",
        "source",
        "organism",
        "molecule",
        "platform",
        "channel_count",
        "sra_experiment",
        "biosample",
        "ch1.cell line",
        "ch1.treatment",
    ]
    first = df.set_index("accession").loc["GSM2692559"]
    assert first["title"] == "1a: PC9_OCSA ATAC-seq" and first["source"] == "NSCLC"
    assert first["ch1.cell line"] == "PC9" and first["ch1.treatment"] == "DMSO"
    assert first["series"] == ["GSE74180", "GSE100750"] and first["platform"] == "GPL18573"
    assert first["sra_experiment"] == "SRX2980124" and first["biosample"] == "SAMN07312233"
    assert first["molecule"] == "genomic DNA" and first["submission_date"] == pd.Timestamp("2017-07-03")
    assert first["supplementary_files"][0].startswith("https://ftp.ncbi.nlm.nih.gov/geo/samples/GSM2692nnn/")
    last = df.set_index("accession").loc["GSM2692576"]
    assert last["ch1.treatment"] == "12 hour 1 μM erlotinib" and last["sra_experiment"] == "SRX2980141"
    assert str(df["channel_count"].dtype) == "Int64" and str(df["title"].dtype).startswith("string")
    assert (df["channel_count"] == 1).all() and df["source_ch2"].isna().all()
    assert df.attrs["row_source"] == ["live"] * 18 and s.errors.empty
    # warm: no request, rows from the cache; the samples are cached one by one too
    again = s.samples("GSE100750")
    assert route.call_count == 1 and again.attrs["row_source"] == ["cache"] * 18
    one = s.samples("GSM2692576")
    assert route.call_count == 1 and one["ch1.treatment"].tolist() == ["12 hour 1 μM erlotinib"]


def test_characteristics_long_form(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    router.get(url__startswith=VIEWER).mock(
        side_effect=viewer_side_effect({("GSE100750", "gsm"): geo("GSE100750_GSM.soft")})
    )
    ch = session_factory().characteristics(["GSE100750"])
    assert list(ch.columns) == ["accession", "channel", "key", "value"] and len(ch) == 36
    assert ch.key.value_counts().to_dict() == {"cell line": 18, "treatment": 18}
    assert ch[ch.key == "treatment"].value.value_counts()["12 hour DMSO"] == 6


def test_superseries_returns_subseries_samples_once(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    soft = geo("GSE146583_GSM.soft")
    pages = {("GSE146583", "gsm"): soft, ("GSE146537", "gsm"): samples_of(soft, "GSE146537")}
    route = router.get(url__startswith=VIEWER).mock(side_effect=viewer_side_effect(pages))
    s = session_factory()
    df = s.samples(["GSE146583", "GSE146537"])
    assert route.call_count == 2 and s.errors.empty
    assert len(df) == 50 and df.accession.is_unique
    by_acc = df.set_index("accession")
    for sub in ("GSE146537", "GSE146540"):
        members = series_ids(f"{sub}_GSE.soft")
        assert len(members) == 6 and set(members) <= set(df.accession)
        assert all(sub in by_acc.loc[m, "series"] and "GSE146583" in by_acc.loc[m, "series"] for m in members)
    assert by_acc.loc["GSM4391934", "ch1.genotype"] == "SETD2-deficient"
    assert by_acc.loc["GSM4391934", "title"] == "RNA-Seq JHRCC12_SETD2_mut_rep1"


def test_superseries_without_samples_resolves_its_subseries(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    soft = geo("GSE146583_GSM.soft")
    pages: dict = {("GSE146583", "gsm"): geo("GSE146583_GSE.soft")}  # an answer with the series block only
    pages.update({(sub, "gsm"): samples_of(soft, sub) for sub in SUPER_SUBS})
    route = router.get(url__startswith=VIEWER).mock(side_effect=viewer_side_effect(pages))
    s = session_factory()
    df = s.samples("GSE146583")
    assert route.call_count == 1 + len(SUPER_SUBS) and s.errors.empty
    assert len(df) == 50 and df.accession.is_unique
    assert set(series_ids("GSE146540_GSE.soft")) <= set(df.accession)
    assert all("GSE146583" in series for series in df.series)


def test_captcha_falls_back_to_the_family_soft(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    viewer = router.get(url__startswith=VIEWER).mock(return_value=httpx.Response(200, content=CAPTCHA))
    mirror = router.get(FAMILY_19161).mock(return_value=httpx.Response(200, content=geo("GSE19161_family.soft.gz")))
    s = session_factory()
    df = s.samples("GSE19161")
    assert viewer.call_count == 1 and mirror.call_count == 1 and s.errors.empty
    assert len(df) == 61 and df.accession.iloc[0] == "GSM475065" and df.accession.iloc[-1] == "GSM475125"
    row = df.set_index("accession").loc["GSM475065"]
    assert row["ch1.survival in months"] == "66" and row["ch1.event indicator"] == "censored"
    assert row["platform"] == "GPL9717"


def test_two_channel_and_repeated_keys_from_family_files(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    router.get(url__startswith=VIEWER).mock(return_value=httpx.Response(200, content=CAPTCHA))
    router.get(f"{FTP}/series/GSE4nnn/GSE4047/soft/GSE4047_family.soft.gz").mock(
        return_value=httpx.Response(200, content=geo("GSE4047_family.soft.gz"))
    )
    router.get(f"{FTP}/series/GSE235nnn/GSE235534/soft/GSE235534_family.soft.gz").mock(
        return_value=httpx.Response(200, content=geo("GSE235534_family.soft.gz"))
    )
    s = session_factory()
    df = s.samples(["GSE4047", "GSE235534"]).set_index("accession")
    assert len(df) == 8 + 41 and s.errors.empty
    assert df.loc["GSM92653", "channel_count"] == 2
    assert df.loc["GSM92653", "ch1.treatment"] == "34C, 3hrs, heat stress"
    assert df.loc["GSM92653", "ch2.treatment"] == "ambient temperature, 3hrs"
    assert df.loc["GSM92653", "source_ch2"] == "liver, normal"
    assert df.loc["GSM7504830", "ch1.treatment"] == "Doxycycline; NPC differentiation media"
    cols = list(df.columns)
    assert cols.index("ch1.organism") < cols.index("ch2.organism") < cols.index("source_ch2")
    long = s.characteristics("GSE235534")
    values = long[(long.accession == "GSM7504830") & (long.key == "treatment")].value.tolist()
    assert values == ["Doxycycline", "NPC differentiation media"]


def test_both_sources_failing_is_an_error_row(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    ok = router.get(url__startswith=VIEWER + "?acc=GSE100750").mock(
        return_value=httpx.Response(200, content=geo("GSE100750_GSM.soft"))
    )
    router.get(url__startswith=VIEWER).mock(return_value=httpx.Response(200, content=CAPTCHA))
    router.get(FAMILY_19161).mock(return_value=httpx.Response(200, content=CAPTCHA))
    s = session_factory(retries=1)
    df = s.samples(["GSE19161", "GSE100750"])
    assert len(df) == 18 and ok.call_count == 1  # the batch goes on
    err = s.errors.set_index("accession").loc["GSE19161"]
    assert "not retrievable by script" in err["message"]
    assert "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSE19161" in err["message"]
    assert err["stage"] == "soft"


def test_truncated_gzip_is_retried_then_an_error_row(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    data = geo("GSE19161_family.soft.gz")
    router.get(url__startswith=VIEWER).mock(return_value=httpx.Response(200, content=CAPTCHA))
    mirror = router.get(FAMILY_19161).mock(return_value=httpx.Response(200, content=data[: len(data) // 2]))
    s = session_factory(retries=2)
    df = s.samples("GSE19161")
    assert df.empty and mirror.call_count == 3  # first try + 2 retries
    row = s.errors.iloc[0]
    assert row["accession"] == "GSE19161" and "truncated gzip" in row["message"]
    assert "not retrievable by script" in row["message"]
    # nothing was cached: a later good answer is used
    mirror.mock(return_value=httpx.Response(200, content=data))
    assert len(s.samples("GSE19161")) == 61 and s.errors.empty


def test_unknown_accession_is_an_error_row_without_fallback(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    viewer = router.get(url__startswith=VIEWER).mock(side_effect=viewer_side_effect({}))
    mirror = router.get(url__startswith=FTP).mock(return_value=httpx.Response(404))
    s = session_factory()
    df = s.samples(["GSE999999999", "GSM999999999", "GPL570"])
    assert df.empty and viewer.call_count == 2 and mirror.call_count == 0
    errs = s.errors.set_index("accession")
    assert "NotFoundError" in errs.loc["GSE999999999", "message"]
    assert "NotFoundError" in errs.loc["GSM999999999", "message"]
    assert "takes GSE or GSM" in errs.loc["GPL570", "message"]


def test_sample_accessions_and_old_records(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    pages = {("GSM11805", "self"): gunzip("GSM11805.txt.gz"), ("GSM804", "self"): geo("GSM804.txt")}
    route = router.get(url__startswith=VIEWER).mock(side_effect=viewer_side_effect(pages))
    s = session_factory()
    df = s.samples(["GSM11805", "GSM804"]).set_index("accession")
    assert route.call_count == 2 and s.errors.empty
    assert df.loc["GSM11805", "organism"] == "Homo sapiens" and df.loc["GSM11805", "platform"] == "GPL96"
    assert pd.isna(df.loc["GSM804", "channel_count"])  # 2002 record without channel_count
    assert df.loc["GSM804", "type"] == "dual channel genomic"


def test_platforms_and_annotation_table(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    pages = {("GPL4133", "self"): geo("GPL4133.txt")}
    route = router.get(url__startswith=VIEWER).mock(side_effect=viewer_side_effect(pages))
    s = session_factory()
    df = s.platforms("GPL4133")
    row = df.iloc[0]
    assert row["accession"] == "GPL4133" and row["technology"] == "in situ oligonucleotide"
    assert row["manufacturer"] == "Agilent Technologies" and row["organism"] == "Homo sapiens"
    assert row["submission_date"] == pd.Timestamp("2006-08-17") and "ID" in row["columns"]
    assert route.calls[0].request.url.params["view"] == "brief"
    table = s.platform_table("GPL4133")
    assert route.calls[-1].request.url.params["view"] == "full"
    assert table.columns[0] == "ID" and len(table) > 0
    calls = route.call_count
    s.platform_table("GPL4133")
    s.platforms("GPL4133")
    assert route.call_count == calls  # both cached


def test_datasets_and_subsets_from_the_mirror(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    route = router.get(f"{FTP}/datasets/GDSnnn/GDS507/soft/GDS507.soft.gz").mock(
        return_value=httpx.Response(200, content=geo("GDS507.soft.gz"))
    )
    s = session_factory()
    ds = s.datasets("GDS507")
    row = ds.iloc[0]
    assert row["accession"] == "GDS507" and row["platform"] == "GPL97" and row["reference_series"] == "GSE781"
    assert row["sample_count"] == 17 and row["feature_count"] == 22645 and row["pubmed_ids"] == ["14641932"]
    assert row["update_date"] == pd.Timestamp("2004-03-04")
    subsets = s.subsets("GDS507")
    assert route.call_count == 1 and len(subsets) == 12
    first = subsets.iloc[0]
    assert first["accession"] == "GDS507_1" and first["type"] == "disease state" and first["description"] == "RCC"
    assert first["samples"][:2] == ["GSM11815", "GSM11832"] and first["n_samples"] == 9
    with pytest.raises(Exception, match="invalid accession"):
        s.datasets("nonsense")


def test_series_answer_without_sample_blocks_is_an_error_not_an_empty_table(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    # the viewer answers with the real series-only SOFT of GSE100750 (it lists 18 samples, has no
    # ^SAMPLE block); the mirror family file is missing: an error row, and nothing cached as "0 samples"
    viewer = router.get(url__startswith=VIEWER).mock(
        return_value=httpx.Response(200, content=geo("GSE100750_GSE.soft"))
    )
    family = router.get(f"{FTP}/series/GSE100nnn/GSE100750/soft/GSE100750_family.soft.gz").mock(
        return_value=httpx.Response(404, content=b"not found")
    )
    s = session_factory()
    df = s.samples("GSE100750")
    assert df.empty and viewer.call_count == 1 and family.call_count == 1
    (row,) = s.errors.to_dict("records")
    assert row["accession"] == "GSE100750" and row["stage"] == "soft"
    assert "listed no samples and the family SOFT failed" in row["message"]
    s.samples("GSE100750")
    assert viewer.call_count == 2  # the failure was not cached
