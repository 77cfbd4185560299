"""SOFT parser tests on real GEO files (tests/data/geo, see PROVENANCE.tsv there).

Expected values were read by hand from the files.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omicskit.errors import ParseError
from omicskit.parsers.soft import (
    SoftEntity,
    gds_record,
    iter_soft_entities,
    looks_like_soft,
    parse_characteristic,
    parse_soft,
    platform_record,
    platform_table,
    sample_record,
    series_record,
    subset_records,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "geo"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def by_accession(entities: list[SoftEntity]) -> dict[str, SoftEntity]:
    return {e.accession: e for e in entities}


def samples_of(entities: list[SoftEntity]) -> list[SoftEntity]:
    return [e for e in entities if e.kind == "SAMPLE"]


# --- accession-viewer text (CRLF, no tables) ---------------------------------------------


def test_gse100750_gsm_text_has_18_crlf_samples() -> None:
    data = read("GSE100750_GSM.soft")
    assert data.count(b"\r\n") == data.count(b"\n")  # the whole file is CRLF
    entities = parse_soft(data)
    assert [e.kind for e in entities] == ["SAMPLE"] * 18
    assert entities[0].accession == "GSM2692559"
    assert entities[-1].accession == "GSM2692576"
    assert all(not key.endswith("\r") for e in entities for vals in e.attributes.values() for key in vals)


def test_gse100750_sample_record() -> None:
    entities = by_accession(parse_soft(read("GSE100750_GSM.soft")))
    first = sample_record(entities["GSM2692559"])
    assert first["series"] == ["GSE74180", "GSE100750"]
    assert first["title"] == "1a: PC9_OCSA ATAC-seq"
    assert first["source"] == "NSCLC"
    assert first["organism"] == "Homo sapiens"
    assert first["molecule"] == "genomic DNA"
    assert first["platform"] == "GPL18573"
    assert first["channel_count"] == 1
    assert first["type"] == "SRA"
    assert first["submission_date"] == "Jul 03 2017"
    assert first["last_update_date"] == "May 15 2019"
    assert first["sra_experiment"] == "SRX2980124"
    assert first["biosample"] == "SAMN07312233"
    assert first["characteristics"] == [(1, "cell line", "PC9"), (1, "treatment", "DMSO")]
    assert first["source_ch2"] is None and first["organism_ch2"] is None and first["molecule_ch2"] is None
    last = sample_record(entities["GSM2692576"])
    # UTF-8 micro sign survives
    assert last["characteristics"] == [(1, "cell line", "PC9"), (1, "treatment", "12 hour 1 μM erlotinib")]
    assert last["sra_experiment"] == "SRX2980141"
    assert last["biosample"] == "SAMN07312216"
    assert last["supplementary_files"] == [
        "ftp://ftp.ncbi.nlm.nih.gov/geo/samples/GSM2692nnn/GSM2692576/suppl/GSM2692576_6c_ALDH_High_Erl_OCSA.bw",
        "ftp://ftp.ncbi.nlm.nih.gov/geo/samples/GSM2692nnn/GSM2692576/suppl/GSM2692576_6c_ALDH_High_Erl_OCSA_peaks.bed.gz",
    ]
    assert set(first) == set(last) == {
        "accession", "series", "title", "source", "organism", "molecule", "platform", "channel_count",
        "sra_experiment", "biosample", "type", "submission_date", "last_update_date", "supplementary_files",
        "characteristics", "source_ch2", "organism_ch2", "molecule_ch2",
    }  # fmt: skip


def test_gse100750_series_is_a_subseries() -> None:
    (entity,) = parse_soft(read("GSE100750_GSE.soft"))
    record = series_record(entity)
    assert record["accession"] == "GSE100750"
    assert record["pubmed_ids"] == ["28781121"]
    assert record["platforms"] == ["GPL18573"]
    assert len(record["samples"]) == 18
    assert record["subseries_of"] == ["GSE74180"]
    assert record["superseries_of"] == []
    assert record["bioproject"] == "PRJNA392915"
    assert record["sra"] == "SRP110993"
    assert record["series_type"] == ["Genome binding/occupancy profiling by high throughput sequencing"]
    assert record["contributors"][0] == "Charles,A,Tindell"
    assert record["supplementary_files"] == [
        "ftp://ftp.ncbi.nlm.nih.gov/geo/series/GSE100nnn/GSE100750/suppl/GSE100750_RAW.tar"
    ]
    assert record["relations"][0] == "SubSeries of: GSE74180"


def test_gse146583_superseries_and_its_subseries() -> None:
    (superseries,) = parse_soft(read("GSE146583_GSE.soft"))
    record = series_record(superseries)
    assert record["superseries_of"] == ["GSE146537", "GSE146538", "GSE146539", "GSE146540", "GSE146541"]
    assert record["subseries_of"] == []
    assert record["platforms"] == ["GPL16791", "GPL17021", "GPL20301"]
    assert record["pubmed_ids"] == ["35115713"]
    assert record["series_type"] == [
        "Genome binding/occupancy profiling by high throughput sequencing",
        "Expression profiling by high throughput sequencing",
    ]
    assert len(record["samples"]) == 50
    assert record["bioproject"] == "PRJNA610874"
    assert record["sra"] is None
    assert record["summary"] == "This SuperSeries is composed of the SubSeries listed below."
    for name, bioproject, srp in [
        ("GSE146537_GSE.soft", "PRJNA610881", "SRP251915"),
        ("GSE146540_GSE.soft", "PRJNA610878", "SRP251919"),
    ]:
        sub = series_record(parse_soft(read(name))[0])
        assert sub["subseries_of"] == ["GSE146583"]
        assert (sub["bioproject"], sub["sra"]) == (bioproject, srp)


def test_gse146583_samples_with_three_characteristics() -> None:
    entities = parse_soft(read("GSE146583_GSM.soft"))
    assert len(entities) == 50
    records = {r["accession"]: r for r in map(sample_record, entities)}
    assert records["GSM4391931"]["characteristics"] == [
        (1, "cell line", "JHRCC12"),
        (1, "chip antibody", "H3K36me3 (Abcam, ab9050)"),
        (1, "genotype", "SETD2-proficient"),
    ]
    last = records["GSM4391945"]
    assert last["organism"] == "Mus musculus"
    assert last["platform"] == "GPL17021"
    assert last["sra_experiment"] == "SRX7866197"
    assert last["biosample"] == "SAMN14322298"


# --- family files ------------------------------------------------------------------------


def test_gse94489_family_four_platforms_49_samples() -> None:
    entities = parse_soft(read("GSE94489_family.soft.gz"))
    assert Counter(e.kind for e in entities) == {"DATABASE": 1, "SERIES": 1, "PLATFORM": 4, "SAMPLE": 49}
    assert entities[0].accession == "GeoMiame"
    platforms = [platform_record(e) for e in entities if e.kind == "PLATFORM"]
    assert [p["accession"] for p in platforms] == ["GPL15103", "GPL16417", "GPL17021", "GPL19057"]
    assert platforms[0]["title"] == "Illumina HiSeq 1000 (Mus musculus)"
    assert platforms[0]["technology"] == "high-throughput sequencing"
    assert platforms[0]["distribution"] == "virtual"
    assert platforms[0]["n_rows"] == 0
    assert platforms[0]["manufacturer"] is None
    series = series_record(entities[1])
    assert series["pubmed_ids"] == ["28682332"]
    last = sample_record(entities[-1])
    assert last["accession"] == "GSM3182004"
    assert last["title"] == "Diploid_RNA_Seq_2"
    assert last["platform"] == "GPL19057"
    assert last["characteristics"] == [(1, "sample type", "Diploid 129 Cataneus Mus musculus hybrid ESC cell line")]
    assert last["sra_experiment"] == "SRX4191026"
    assert last["biosample"] == "SAMN09389461"
    # "!Sample_supplementary_file_1 = NONE" is not a file
    assert sample_record(entities[6])["supplementary_files"] == []


def test_gsm804_without_spaces_no_channel_count_dual_channel() -> None:
    for name in ("GSE16.txt", "GSM804.txt"):
        data = read(name)
        assert data.startswith(b"^SAMPLE=GSM804\r\n")
        (entity,) = parse_soft(data)
        assert (entity.kind, entity.accession) == ("SAMPLE", "GSM804")
        record = sample_record(entity)
        assert record["channel_count"] is None
        assert record["type"] == "dual channel genomic"
        assert record["organism"] == "Homo sapiens"
        assert record["source"] == "Cell line GM05296"
        assert record["source_ch2"] == "normal male reference genomic DNA"
        assert record["platform"] == "GPL28"
        assert record["series"] == ["GSE16"]
        assert record["characteristics"] == []
        assert len(entity.attributes["Sample_author"]) == 19


def test_gsm804_table_without_begin_marker() -> None:
    (entity,) = parse_soft(read("GSE16.txt"), tables=True)
    assert [c for c, _ in entity.table_columns] == ["ID_REF", "VALUE", "LINEAR_RATIO", "LOG2STDDEV", "NO_REPLICATES"]
    table = entity.table
    assert table is not None
    assert list(table.columns) == ["ID_REF", "VALUE", "LINEAR_RATIO", "LOG2STDDEV", "NO_REPLICATES"]
    assert len(table) == 20
    assert table["ID_REF"].iloc[0] == "1"
    assert pd.isna(table["VALUE"].iloc[0])
    assert table["LINEAR_RATIO"].iloc[0] == pytest.approx(1.047765)


def test_gpl890_two_channel_samples_and_platform_table() -> None:
    entities = parse_soft(read("GPL890_family.soft.gz"), tables=True)
    assert Counter(e.kind for e in entities) == {"DATABASE": 1, "PLATFORM": 1, "SAMPLE": 11}
    platform = entities[1]
    record = platform_record(platform)
    assert record["accession"] == "GPL890"
    assert record["manufacturer"] == "Agilent Technologies"
    assert record["organism"] == "Rattus norvegicus"
    assert record["n_rows"] == 22575
    assert record["columns"][:3] == ["ID", "COL", "ROW"]
    assert len(record["columns"]) == 20
    table = platform_table(platform)
    assert table.shape == (200, 20)  # cut short by the Gemma authors
    assert table.columns[0] == "ID"
    assert table["ID"].iloc[0] == "1"
    assert "Platform_description" in platform.attributes and "" in platform.attributes["Platform_description"]
    sample = sample_record(entities[2])
    assert sample["accession"] == "GSM36415"
    assert sample["channel_count"] == 2
    assert sample["source"] == "RIE (rat intestinal epithelial) cells"
    assert sample["source_ch2"] == "RIE cells treated with TGF-beta x 1 hr"
    assert sample["organism_ch2"] == "Rattus norvegicus"
    assert sample["molecule_ch2"] == "total RNA"
    assert sample["series"] == ["GSE2015"]
    # values containing " = " keep it
    assert entities[2].attributes["Sample_description"][1] == "Keywords = TGF-beta"
    assert entities[2].table is not None and list(entities[2].table.columns) == ["ID_REF", "VALUE", "PRE_VALUE"]
    assert all(sample_record(e)["channel_count"] == 2 for e in samples_of(entities))


def test_gse5091_latin1_and_utf8_lines_in_one_file() -> None:
    raw = gzip.decompress(read("GSE5091_family.soft.gz"))
    assert b"95\xb0C" in raw and b"95\xc2\xb0C" in raw  # both encodings of the degree sign
    entities = parse_soft(read("GSE5091_family.soft.gz"))
    samples = samples_of(entities)
    assert len(samples) == 12
    for sample in samples:
        (protocol,) = sample.attributes["Sample_hyb_protocol"]
        assert "heated to 95°C" in protocol
        assert "\ufffd" not in protocol
    record = sample_record(samples[0])
    assert record["accession"] == "GSM113893"
    assert record["channel_count"] == 2
    assert record["characteristics"] == [
        (1, "characteristics", "RTS II cells stimulated with recombinant interleukin 1 beta"),
        (2, "characteristics", "RTS II cells Non stimulated"),
    ]


def test_gse4047_seven_characteristics_per_channel() -> None:
    samples = samples_of(parse_soft(read("GSE4047_family.soft.gz")))
    assert len(samples) == 8
    record = sample_record(by_accession(samples)["GSM92653"])
    ch1 = [(k, v) for c, k, v in record["characteristics"] if c == 1]
    ch2 = [(k, v) for c, k, v in record["characteristics"] if c == 2]
    assert len(ch1) == 7 and len(ch2) == 7
    assert ch1[0] == ("organism", "Pomacentrus moluccensis")
    assert ch1[5] == ("treatment", "34C, 3hrs, heat stress")
    assert ch2[5] == ("treatment", "ambient temperature, 3hrs")
    assert ch2[6] == ("sample id", "pooled control")


def test_gse142485_beta_and_curly_quotes() -> None:
    entities = parse_soft(read("GSE142485_family.soft.gz"))
    series = series_record(entities[1])
    assert "Conduritol β epoxide" in (series["overall_design"] or "")
    sample = samples_of(entities)[0]
    assert "(“HTSeq,” n.d.)" in " ".join(sample.attributes["Sample_data_processing"])
    record = sample_record(sample)
    assert record["accession"] == "GSM4230288"
    assert (1, "treatment", "untreated; Control") in record["characteristics"]
    assert record["sra_experiment"] == "SRX7427895"
    assert record["biosample"] == "SAMN13663957"


def test_gse14618_superseries_with_two_platforms() -> None:
    entities = parse_soft(read("GSE14618.soft.gz"))
    assert Counter(e.kind for e in entities)["SAMPLE"] == 92
    record = series_record(next(e for e in entities if e.kind == "SERIES"))
    assert record["superseries_of"] == ["GSE14613", "GSE14615"]
    assert record["pubmed_ids"] == ["17495134", "20007543"]
    assert record["title"] == "Microarray analyses of induction failure in T-ALL"
    for name in ("GSE14613.soft.gz", "GSE14615.soft.gz"):
        sub = series_record(next(e for e in parse_soft(read(name)) if e.kind == "SERIES"))
        assert sub["subseries_of"] == ["GSE14618"]


def test_gsm11805_crlf_gzip_with_table() -> None:
    (entity,) = parse_soft(read("GSM11805.txt.gz"), tables=True)
    assert entity.accession == "GSM11805"
    assert entity.attributes["Sample_description"][1] == "Keywords = kidney"
    assert entity.table is not None
    assert entity.table.shape == (22283, 3)
    assert entity.table.iloc[0].tolist() == ["AFFX-BioB-5_at", 953.9, "P"]
    # default: tables skipped
    (plain,) = parse_soft(read("GSM11805.txt.gz"))
    assert plain.table is None and len(plain.table_columns) == 3


def test_gpl4133_platform_table() -> None:
    (entity,) = parse_soft(read("GPL4133.txt"), tables=True)
    record = platform_record(entity)
    assert record["accession"] == "GPL4133"
    assert record["distribution"] == "custom-commercial"
    assert record["n_rows"] == 45220
    table = platform_table(entity)
    assert len(table) == 13  # header + 13 rows kept by the GEOparse authors
    assert table.columns[0] == "ID"
    assert table["ID"].tolist()[:3] == ["1", "2", "3"]
    assert table["GENE_SYMBOL"].iloc[11] == "APOBEC3B"
    # the header repeats SPOT_ID; pandas keeps both
    assert "SPOT_ID.1" in table.columns
    with pytest.raises(ParseError):
        platform_table(parse_soft(read("GPL4133.txt"))[0])


def test_truncated_family_without_final_newline() -> None:
    raw = gzip.decompress(read("GSE98737_truncated_family.soft.gz"))
    assert raw.endswith(b"!platform_table_end")
    entities = parse_soft(read("GSE98737_truncated_family.soft.gz"), tables=True)
    assert [e.kind for e in entities] == ["DATABASE", "SERIES", "PLATFORM"]
    assert entities[2].table is not None and len(entities[2].table) == 93


# --- GDS ---------------------------------------------------------------------------------


def test_gds507_dataset_and_12_subsets() -> None:
    entities = parse_soft(read("GDS507.soft.gz"))
    kinds = [(e.kind, e.accession) for e in entities]
    assert kinds[:2] == [("DATABASE", "Geo"), ("DATASET", "GDS507")]
    assert kinds[-1] == ("DATASET", "GDS507")  # GDS repeats ^DATASET before the table
    record = gds_record(entities[1])
    assert record["title"] == "Renal clear cell carcinoma (HG-U133B)"
    assert record["platform"] == "GPL97"
    assert record["reference_series"] == "GSE781"
    assert record["sample_organism"] == "Homo sapiens"
    assert record["value_type"] == "count"
    assert record["sample_count"] == 17
    assert record["channel_count"] == 1
    assert record["feature_count"] == 22645
    assert record["pubmed_ids"] == ["14641932"]
    subsets = subset_records(entities)
    assert len(subsets) == 12
    assert subsets[0] == {
        "dataset": "GDS507",
        "accession": "GDS507_1",
        "description": "RCC",
        "type": "disease state",
        "samples": [
            "GSM11815", "GSM11832", "GSM12069", "GSM12083", "GSM12101",
            "GSM12106", "GSM12274", "GSM12299", "GSM12412",
        ],
    }  # fmt: skip
    assert subsets[11]["samples"] == ["GSM12412", "GSM12448"]
    assert Counter(s["type"] for s in subsets) == {"disease state": 2, "individual": 10}


def test_gds507_value_table() -> None:
    entities = parse_soft(read("GDS507.soft.gz"), tables=True)
    table = entities[-1].table
    assert table is not None
    assert table.shape == (22645, 19)
    assert list(table.columns[:3]) == ["ID_REF", "IDENTIFIER", "GSM11815"]
    assert table.iloc[0, :3].tolist() == ["200000_s_at", "PRPF8", 4254.0]


def test_gds242_old_lowercase_layout() -> None:
    entities = parse_soft(read("GDS242.soft.gz"))
    assert [e.kind for e in entities] == ["DATABASE", "DATASET"] + ["SUBSET"] * 4 + ["DATASET"]
    assert entities[0].accession == ""  # "^database" has no accession
    record = gds_record(entities[1])
    assert record["accession"] == "GDS242"
    assert record["sample_count"] == 16
    assert record["sample_organism"] == "Mus musculus"
    assert record["type"] == "single channel"
    assert record["reference_series"] == "GSE479"
    assert record["pubmed_ids"] == []
    assert [s["type"] for s in subset_records(entities)] == ["strain"] * 2 + ["development stage"] * 2


# --- input shapes, sniffing, malformed input ---------------------------------------------


def test_sources_bytes_chunks_and_file_objects_agree() -> None:
    data = read("GSE94489_family.soft.gz")
    expected = [(e.kind, e.accession, e.attributes) for e in parse_soft(data)]
    chunks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    assert [(e.kind, e.accession, e.attributes) for e in iter_soft_entities(iter(chunks))] == expected
    assert [(e.kind, e.accession, e.attributes) for e in parse_soft(io.BytesIO(data))] == expected
    plain = gzip.decompress(data)
    assert [(e.kind, e.accession, e.attributes) for e in parse_soft(plain)] == expected


def test_iter_soft_entities_is_lazy() -> None:
    it = iter_soft_entities(read("GSE94489_family.soft.gz"))
    assert next(it).kind == "DATABASE"
    assert next(it).accession == "GSE94489"


def test_looks_like_soft() -> None:
    assert looks_like_soft(read("GSE100750_GSE.soft")[:200])
    assert looks_like_soft(read("GSE94489_family.soft.gz")[:1024])  # gzipped head
    assert looks_like_soft(b"\n\n^SERIES = GSE1\n")
    assert looks_like_soft(b'!Series_title\t"x"\n')
    assert not looks_like_soft(b"")
    assert not looks_like_soft(b"   \n")
    assert not looks_like_soft(b"<!DOCTYPE html>\n<html><body>^SERIES</body></html>")
    assert not looks_like_soft(b"\n  <html lang='en'><head><title>Captcha</title>")
    assert not looks_like_soft(b'{"error":"API rate limit exceeded"}')
    assert not looks_like_soft(gzip.compress(b"<html>Access denied</html>"))
    assert not looks_like_soft(b"\x1f\x8bnot really gzip")


def test_html_is_never_parsed_as_soft() -> None:
    page = b"<!DOCTYPE html>\n<html><body><p>Please complete the CAPTCHA</p></body></html>\n"
    with pytest.raises(ParseError):
        parse_soft(page)
    with pytest.raises(ParseError):
        parse_soft(gzip.compress(page))


def test_truncated_and_corrupt_gzip_raise_parse_error() -> None:
    data = read("GSE94489_family.soft.gz")
    with pytest.raises(ParseError, match="truncated"):
        parse_soft(data[: len(data) // 2])
    corrupt = data[:100] + bytes(b ^ 0xFF for b in data[100:200]) + data[200:]
    with pytest.raises(ParseError):
        parse_soft(corrupt)


def test_gzip_bomb_is_capped() -> None:
    bomb = gzip.compress(b"!Sample_title = x\n" * 200_000)  # ~3.6 MB from a few kB
    assert len(bomb) < 40_000
    with pytest.raises(ParseError, match="max_bytes"):
        parse_soft(bomb, max_bytes=1_000_000)
    assert len(parse_soft(bomb)[0].attributes["Sample_title"]) == 200_000


def test_concatenated_gzip_members() -> None:
    one, two = read("GSE100750_GSE.soft"), read("GSE146583_GSE.soft")
    entities = parse_soft(gzip.compress(one) + gzip.compress(two))
    assert [e.accession for e in entities] == ["GSE100750", "GSE146583"]


def test_odd_lines() -> None:
    text = (
        b"\xef\xbb\xbf!Sample_title = fragment without header\n"
        b"!Sample_geo_accession = GSM1\n"
        b"!Sample_description\n"
        b"!Sample_source_name_ch1 = \n"
        b"!Sample_characteristics_ch1 = Age : 12 : 30\n"
        b"!Sample_characteristics_ch1 = : no key\n"
        b"!Sample_characteristics_ch1 =    \n"
        b"stray text is ignored\n"
        b"^PLATFORM=GPL2\r\n"
        b"!Platform_title=Caf\xe9\r\n"
    )
    sample, platform = parse_soft(text)
    assert (sample.kind, sample.accession) == ("SAMPLE", "GSM1")
    assert sample.attributes["Sample_description"] == [""]
    record = sample_record(sample)
    assert record["source"] is None
    assert record["characteristics"] == [(1, "age", "12 : 30"), (1, "characteristics", "no key")]
    assert (platform.kind, platform.accession) == ("PLATFORM", "GPL2")
    assert platform_record(platform)["title"] == "Café"


def test_empty_input() -> None:
    assert parse_soft(b"") == []
    assert parse_soft([]) == []
    assert parse_soft(io.BytesIO(b"\n\n")) == []


def test_text_source_is_refused() -> None:
    with pytest.raises(ParseError):
        parse_soft("^SERIES = GSE1")  # type: ignore[arg-type]


def test_ragged_table_rows_do_not_shift_ids() -> None:
    text = (
        b"^SAMPLE = GSM1\n!sample_table_begin\nID_REF\tVALUE\na\t1.5\t\t\nb\t2\textra\nc\nNA\tnull\n!sample_table_end\n"
    )
    (entity,) = parse_soft(text, tables=True)
    assert entity.table is not None
    assert entity.table["ID_REF"].tolist() == ["a", "b", "c", "NA"]
    assert entity.table["VALUE"].tolist()[:2] == [1.5, 2.0]
    assert entity.table["VALUE"].isna().tolist() == [False, False, True, True]
    (skipped,) = parse_soft(text)  # tables are skipped without tables=True
    assert skipped.table is None


# --- characteristics rules and properties -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cell line: PC9", ("cell line", "PC9")),
        ("  Cell   LINE :  PC9  ", ("cell line", "PC9")),
        ("time: 12:30", ("time", "12:30")),
        ("RTS II cells Non stimulated", ("characteristics", "RTS II cells Non stimulated")),
        (": bare", ("characteristics", "bare")),
        ("key:", ("key", "")),
        ("", None),
        (":", None),
    ],
)
def test_parse_characteristic(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_characteristic(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.booleans())
def test_arbitrary_bytes_only_raise_parse_error(data: bytes, tables: bool) -> None:
    try:
        parse_soft(data, tables=tables)
    except ParseError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500))
def test_arbitrary_gzip_payloads_only_raise_parse_error(data: bytes) -> None:
    packed = gzip.compress(b"^SAMPLE = GSM1\n" + data)
    for candidate in (packed, packed[: len(packed) // 2], zlib.compress(data)):
        try:
            parse_soft(candidate, tables=True)
        except ParseError:
            pass
        looks_like_soft(candidate)


_KEY = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters=":="), min_size=1)
_VALUE = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_KEY, _VALUE), min_size=1, max_size=11), st.booleans())
def test_characteristics_round_trip(pairs: list[tuple[str, str]], crlf: bool) -> None:
    pairs = [(k, v) for k, v in pairs if k.strip() and v.strip()]
    eol = "\r\n" if crlf else "\n"
    lines = ["^SAMPLE = GSM1"] + [f"!Sample_characteristics_ch1 = {k}: {v}" for k, v in pairs]
    (entity,) = parse_soft(eol.join(lines).encode("utf-8"))
    expected = [(1, " ".join(k.split()).lower(), v.strip()) for k, v in pairs]
    assert sample_record(entity)["characteristics"] == expected
