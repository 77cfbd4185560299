"""The ``omicskit`` command, run as a subprocess against the fake services and the demo snapshot.

Subprocesses start in batches (a few at a time) to keep the run short; each
result is checked for its exit code, parsed output and a clean stderr.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from omicskit.cli import main

API_KEY = "CLISECRETKEY0123456789"
EMAIL = "cli.hidden.person@example.org"


def _run_all(cmds: dict[str, list[str]], env: dict[str, str], cwd: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    def one(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "omicskit", *args], env=env, cwd=cwd, capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(one, args) for name, args in cmds.items()}
        return {name: f.result() for name, f in futures.items()}


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMICSKIT_", "NCBI_"))}
    env.update({"NCBI_API_KEY": API_KEY, "NCBI_EMAIL": EMAIL, "OMICSKIT_CACHE": "none", "PYTHONWARNINGS": "error"})
    env.update(extra or {})
    return env


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert API_KEY not in text and EMAIL not in text


def _one_line_error(res: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("omicskit: error: "), res.stderr
    return lines[0]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every data subcommand against the fake services (one batch of subprocesses)."""
    from omicskit.testing import FakeServices

    tmp = tmp_path_factory.mktemp("cli")
    with FakeServices(rate_limit=False) as fake:
        env = _env(fake.env())
        cmds = {
            "search": ["search", "cancer", "--limit", "20", "--format", "json", "--quiet"],
            "series": ["series", "GSE19161", "GSE100750", "--format", "csv", "-q"],
            "samples": ["samples", "GSE19161", "--format", "parquet", "--out", str(tmp / "s.parquet"), "-q"],
            "characteristics": ["-q", "characteristics", "GSE19161", "--format", "csv", "--out", str(tmp / "c.csv")],
            "platforms": ["platforms", "GSE19161", "--format", "json", "-q"],
            "expression": ["expression", "GSE19161", "--format", "csv", "--out", str(tmp / "e.csv"), "-q"],
            "files": ["files", "GSE100750", "GSE19161", "--format", "json", "-q"],
            "papers": ["papers", "GSE100750", "--format", "json", "-q"],
            "download": ["download", "GSE100750", "--dest", str(tmp / "dl"), "--pattern", "*.tar",
                         "--max-size", "10MB", "--format", "json", "-q"],
            "partial": ["samples", "GSE19161", "GSE93374", "--columns", "accession,series", "-q"],
            "seed_cache": ["series", "GSE19161", "--cache", str(tmp / "cache"), "-q"],
            "snapshot_save": ["snapshot", "save", str(tmp / "study.omicskit"), "--accessions", "GSE19161",
                              "GSE100750", "--include", "series,samples,files", "-q"],
            "snapshot_query": ["snapshot", "save", str(tmp / "q.omicskit"), "--query", "ovarian", "--limit", "5", "-q"],
        }  # fmt: skip
        results = _run_all(cmds, env, tmp)
    # the fake is stopped: replay offline, read and clear the cache filled above
    offline_env = _env({"OMICSKIT_EUTILS_URL": "http://127.0.0.1:9/e", "OMICSKIT_GEO_URL": "http://127.0.0.1:9/g"})
    results.update(
        _run_all(
            {
                "replay": ["search", "ovarian", "--snapshot", str(tmp / "q.omicskit"), "--format", "json"],
                "cache_stats": ["cache", "stats", "--cache", str(tmp / "cache"), "--format", "json", "-q"],
            },
            offline_env,
            tmp,
        )
    )
    return {"tmp": tmp, "results": results}


def _ok(live: dict[str, Any], name: str) -> subprocess.CompletedProcess[str]:
    res = live["results"][name]
    assert res.returncode == 0, (name, res.stdout[-2000:], res.stderr[-2000:])
    assert "Traceback" not in res.stderr
    _no_secret(res.stdout, res.stderr)
    return res


def test_search_json_and_filters(
    live: dict[str, Any], fake_services: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = json.loads(_ok(live, "search").stdout)
    by_acc = {r["accession"]: r for r in rows}
    assert by_acc["GSE19161"]["n_samples"] == 61 and by_acc["GSE19161"]["platforms"] == ["GPL9717"]
    assert by_acc["GSE100750"]["pubmed_ids"] == ["28781121"]
    for key, value in fake_services.env().items():
        monkeypatch.setenv(key, value)
    args = ["search", "", "--organism", "human", "--published", "2017:2021", "--min-samples", "10", "--has-sra"]
    assert main([*args, "--format", "csv", "-q", "--cache", "none", "--email", EMAIL]) == 0
    filtered = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(filtered) and (filtered.n_samples >= 10).all() and filtered.sra.notna().all()
    assert filtered.organism.str.startswith("Homo sapiens").all()


def test_series_samples_characteristics_platforms(live: dict[str, Any]) -> None:
    series = pd.read_csv(io.StringIO(_ok(live, "series").stdout))
    assert series.accession.tolist() == ["GSE19161", "GSE100750"]
    _ok(live, "samples")
    smp = pd.read_parquet(live["tmp"] / "s.parquet")
    assert len(smp) == 61 and smp.accession.iloc[0] == "GSM475065" and (smp.series == "GSE19161").all()
    _ok(live, "characteristics")
    ch = pd.read_csv(live["tmp"] / "c.csv")
    assert list(ch.columns[:4]) == ["accession", "channel", "key", "value"] and len(ch) >= 61
    platforms = json.loads(_ok(live, "platforms").stdout)
    assert platforms and platforms[0]["accession"] == "GPL9717"


def test_expression_files_papers_download(live: dict[str, Any]) -> None:
    _ok(live, "expression")
    expr = pd.read_csv(live["tmp"] / "e.csv")
    assert "GSM475065" in expr.columns and len(expr) == 658
    files = json.loads(_ok(live, "files").stdout)
    assert any(f["name"] == "GSE100750_RAW.tar" for f in files)
    papers = live["results"]["papers"]
    assert papers.returncode in (0, 1) and "Traceback" not in papers.stderr  # 1: some OA services have no record
    _no_secret(papers.stdout, papers.stderr)
    assert "28775130" in {str(p["pmid"]) for p in json.loads(papers.stdout)}
    json.loads(_ok(live, "download").stdout)
    assert (live["tmp"] / "dl").exists() and any(p.name == "GSE100750_RAW.tar" for p in (live["tmp"] / "dl").rglob("*"))


def test_partial_failure_exit_1_with_errors_on_stderr(live: dict[str, Any]) -> None:
    res = live["results"]["partial"]
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "GSE93374" in res.stderr and "failed" in res.stderr
    assert "GSM475065" in res.stdout and "GSE19161" in res.stdout  # the good rows are still printed
    _no_secret(res.stdout, res.stderr)


def test_cache_stats_and_clear(live: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    _ok(live, "seed_cache")
    stats = json.loads(_ok(live, "cache_stats").stdout)
    assert {"hits", "misses", "hit_rate", "items"} <= set(stats) and stats["items"] >= 1
    assert main(["cache", "clear", "--kind", "docsum", "--cache", str(live["tmp"] / "cache"), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"deleted": 1, "kind": "docsum"}


def test_snapshot_save_and_offline_replay(live: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert "records" in _ok(live, "snapshot_save").stdout
    _ok(live, "snapshot_query")
    rows = json.loads(_ok(live, "replay").stdout)
    assert [r["accession"] for r in rows] == ["GSE19161"]
    assert main(["samples", "GSE100750", "--snapshot", str(live["tmp"] / "study.omicskit"), "-f", "csv"]) == 0
    smp = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(smp) == 18 and smp.accession.iloc[0] == "GSM2692559"
    for name in ("study.omicskit", "q.omicskit"):
        with zipfile.ZipFile(live["tmp"] / name) as zf:
            blob = b"".join(zf.read(n) for n in zf.namelist())
        assert API_KEY.encode() not in blob and EMAIL.encode() not in blob


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Demo snapshot, dry runs and bad input (no services at all)."""
    tmp = tmp_path_factory.mktemp("cli-offline")
    (tmp / "corrupt.omicskit").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(tmp / "foreign.zip", "w") as zf:
        zf.writestr("data.csv", "a,b\n1,2\n")
    from omicskit.snapshot import demo_path

    with zipfile.ZipFile(demo_path()) as src, zipfile.ZipFile(tmp / "newer.omicskit", "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json":
                data = json.dumps({**json.loads(data), "format_version": 99}).encode()
            dst.writestr(name, data)
    env = _env({"OMICSKIT_EUTILS_URL": "http://127.0.0.1:9/e", "OMICSKIT_GEO_URL": "http://127.0.0.1:9/g"})
    cmds = {
        "demo": ["search", "cancer", "--snapshot", "demo"],
        "dry_run": ["search", "cancer", "--limit", "5000", "--dry-run"],
        "unknown_command": ["frobnicate"],
        "corrupt": ["search", "cancer", "--snapshot", str(tmp / "corrupt.omicskit")],
        "bad_accession": ["samples", "NOTANACCESSION", "--api-key", "ARGSECRET123"],
        "help": ["--help"],
    }
    return {"tmp": tmp, "results": _run_all(cmds, env, tmp)}


def test_demo_search_table_and_local_match(offline: dict[str, Any]) -> None:
    res = offline["results"]["demo"]
    assert res.returncode == 0 and "Traceback" not in res.stderr and "no email" not in res.stderr
    header = res.stdout.splitlines()[0].split()
    assert header[:3] == ["accession", "title", "organism"]
    assert "GSE19161" in res.stdout and "GSE146583" in res.stdout


def test_demo_local_search_and_info_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--snapshot", "demo", "search", "ovarian", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["accession"] for r in rows] == ["GSE19161"]
    assert main(["snapshot", "info", "demo", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format_version"] == 1 and info["records"]["kinds"]["docsum"] >= 24
    assert any(q["query"] == "cancer" for q in info["queries"])


def test_dry_run_prints_requests_and_sends_nothing(
    offline: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    res = offline["results"]["dry_run"]
    assert res.returncode == 0 and "search of 5000 item(s): 11 request(s)" in res.stdout
    assert "without an API key" in res.stdout and "with an API key" in res.stdout
    monkeypatch.setenv("NCBI_API_KEY", API_KEY)
    assert main(["samples", "GSE19161", "GSE100750", "--dry-run", "--format", "json"]) == 0
    est = json.loads(capsys.readouterr().out)
    assert est["requests"] == {"geo": 2} and est["api_key_set"] is True
    assert main(["estimate", "series", "1200", "-f", "json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["requests"] == {"eutils": 3} and API_KEY not in out


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("unknown_command", "invalid choice: 'frobnicate'"),
        ("corrupt", "not an omicskit snapshot"),
        ("bad_accession", "invalid accession 'NOTANACCESSION'"),
    ],
)
def test_bad_input_is_one_line_exit_2(offline: dict[str, Any], name: str, fragment: str) -> None:
    res = offline["results"][name]
    line = _one_line_error(res)
    assert fragment in line
    assert "ARGSECRET123" not in res.stderr + res.stdout
    _no_secret(res.stdout, res.stderr)


def test_more_bad_input_in_process(offline: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    tmp = offline["tmp"]
    cases = {
        "unrecognized arguments: --bogus": ["search", "cancer", "--bogus"],
        "cannot write --out": ["search", "cancer", "--snapshot", "demo", "--out", str(tmp / "nope" / "x.csv")],
        "no manifest.json": ["samples", "GSE19161", "--snapshot", str(tmp / "foreign.zip")],
        "format version 99 is newer": ["snapshot", "info", str(tmp / "newer.omicskit")],
        "unknown organism": ["search", "cancer", "--organism", "Homo sapienz", "--snapshot", "demo"],
        "it is a directory": ["series", "GSE1", "--out", str(tmp)],
    }
    for fragment, argv in cases.items():
        assert main([*argv, "--api-key", "ARGSECRET123"]) == 2, argv
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("omicskit: error: ") and fragment in lines[0], captured.err
        assert "ARGSECRET123" not in captured.err + captured.out


def test_help_has_examples_everywhere(offline: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    top = offline["results"]["help"]
    assert top.returncode == 0 and "examples:" in top.stdout and "exit codes" in top.stdout
    for cmd in ("search", "series", "samples", "characteristics", "platforms", "expression", "files", "download",
                "papers", "cache", "snapshot", "estimate"):  # fmt: skip
        with pytest.raises(SystemExit) as info:
            main([cmd, "--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and f"omicskit {cmd}" in out and "--snapshot" in out, cmd


def test_main_in_process_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["search", "cancer", "--limit", "0"]) == 2
    assert main(["download", "GSE1", "--max-size", "lots", "--dry-run"]) == 2
    assert main(["snapshot", "save", str(tmp_path / "x.omicskit")]) == 2
    assert main(["snapshot", "save", str(tmp_path / "x.omicskit"), "--accessions", "GSE1", "--include", "bad"]) == 2
    assert main(["search", "cancer", "--snapshot", "demo", "--columns", "nope", "-q"]) == 2
    assert main(["search", "cancer", "--snapshot", "demo", "--format", "parquet", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("omicskit: error:") == 6 and "Traceback" not in err
    assert main(["download", "GSE100750", "--max-size", "2GiB", "--dry-run"]) == 0
    assert main(["snapshot", "save", str(tmp_path / "y.omicskit"), "--query", "x", "--dry-run"]) == 0
    assert not (tmp_path / "y.omicskit").exists()
