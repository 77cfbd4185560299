from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omicskit.accessions import (
    accession_to_uid,
    as_accession_list,
    mirror_folder,
    normalize_accession,
    uid_to_accession,
)
from omicskit.errors import InvalidAccessionError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("GSE100750", "GSE100750"),
        ("gse100750", "GSE100750"),
        (" GSE100750 ", "GSE100750"),
        ("200100750", "GSE100750"),
        (200100750, "GSE100750"),
        ("300000804", "GSM804"),
        ("100001261", "GPL1261"),
        ("3946", "GDS3946"),
        ("gpl570", "GPL570"),
    ],
)
def test_normalize_accepts(value: object, expected: str) -> None:
    assert normalize_accession(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "GSE",
        "GSE-1",
        "GSE0",
        "GSE01",
        "SRP000001",
        "GSE 1",
        "GSE1.1",
        "../GSE1",
        "GSE1;GSE2",
        "GSE\uff11\uff12",
        None,
        1.5,
        True,
        "G" * 100,
        "GSE100750\n",
        "0",
        "-5",
    ],
)
def test_normalize_rejects_with_named_value(value: object) -> None:
    if value == "GSE100750\n":  # surrounding whitespace incl. newline is trimmed
        assert normalize_accession(value) == "GSE100750"
        return
    with pytest.raises(InvalidAccessionError) as info:
        normalize_accession(value)
    assert repr(value)[:20] in str(info.value)
    assert "accepted forms" in str(info.value)


def test_uid_arithmetic_round_trip() -> None:
    assert accession_to_uid("GSE93374") == 200093374
    assert accession_to_uid("GSM5668979") == 305668979
    assert accession_to_uid("GPL19750") == 100019750
    assert accession_to_uid("GDS3946") == 3946
    assert uid_to_accession(305668979) == "GSM5668979"


def test_list_dedups_and_keeps_order() -> None:
    assert as_accession_list(["gse2", "GSE1", " GSE2 "]) == ["GSE2", "GSE1"]
    assert as_accession_list("GSE5") == ["GSE5"]


def test_mirror_folder() -> None:
    assert mirror_folder("GSE100750") == "series/GSE100nnn/GSE100750"
    assert mirror_folder("GSE730") == "series/GSEnnn/GSE730"
    assert mirror_folder("GSE1234") == "series/GSE1nnn/GSE1234"
    assert mirror_folder("GPL570") == "platforms/GPLnnn/GPL570"
    assert mirror_folder("GSM804") == "samples/GSMnnn/GSM804"


@given(st.sampled_from(["GSE", "GSM", "GPL", "GDS"]), st.integers(min_value=1, max_value=99_999_999))
def test_property_round_trip(prefix: str, number: int) -> None:
    acc = f"{prefix}{number}"
    assert normalize_accession(acc.lower()) == acc
    assert normalize_accession(str(accession_to_uid(acc))) == acc


@given(st.text(max_size=40))
def test_property_only_accessions_or_error(text: str) -> None:
    try:
        acc = normalize_accession(text)
    except InvalidAccessionError:
        return
    assert acc[:3] in {"GSE", "GSM", "GPL", "GDS"} and acc[3:].isdigit()
