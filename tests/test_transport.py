"""Transport behaviour with respx: retries, Retry-After, body validation, batching, rate limits."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import httpx
import pytest

import omicskit as ok
from omicskit._transport import Transport
from omicskit.config import Config
from omicskit.errors import BodyValidationError, CaptchaError, RateLimitError
from omicskit.limiter import SpacingLimiter

from .conftest import FAST, read

EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
ESUMMARY = f"{EUTILS}/esummary.fcgi"
ESEARCH = f"{EUTILS}/esearch.fcgi"
RATE_BODY = b'{"error":"API rate limit exceeded","count":"4","limit":"3"}'
HTML_408 = b"<!DOCTYPE html><html><head><title>408 Request Timeout</title></head><body>Request Timeout</body></html>"
CAPTCHA = (
    b"<!DOCTYPE html><html><head><title>NCBI</title></head><body><form id='challenge-form'>"
    b"<div class='g-recaptcha'></div>Please verify you are human</form></body></html>"
)


def summary_bytes() -> bytes:
    return read("eutils/adgencov_esummary_gds.json")


def docsum_for(uids: list[str]) -> bytes:
    """A real GSE DocSum (GSE95632) re-keyed to each requested UID, for batching tests."""
    base = json.loads(summary_bytes())["result"]["200095632"]
    result: dict = {"uids": uids}
    for uid in uids:
        n = int(uid) - 200_000_000
        result[uid] = {**base, "uid": uid, "accession": f"GSE{n}", "gse": str(n)}
    return json.dumps({"header": {"type": "esummary", "version": "0.3"}, "result": result}).encode()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def make_transport(router, sleeps: list[float] | None = None, **cfg) -> Transport:  # type: ignore[no-untyped-def]
    async def fake_sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    config = Config(email="t@example.org", **{**FAST, **cfg})
    return Transport(config, {}, http_transport=router, sleep=fake_sleep)


def test_429_then_success(router) -> None:  # type: ignore[no-untyped-def]
    route = router.get(url__startswith=ESUMMARY).mock(
        side_effect=[
            httpx.Response(429, content=RATE_BODY, headers={"Retry-After": "1"}),
            httpx.Response(200, content=summary_bytes()),
        ]
    )
    sleeps: list[float] = []
    t = make_transport(router, sleeps, backoff_max=30.0)

    async def go():  # type: ignore[no-untyped-def]
        try:
            return await t.get(ESUMMARY, group="eutils", params={"db": "gds", "id": "1"}, expect="json")
        finally:
            await t.aclose()

    r = run(go())
    assert route.call_count == 2 and r.attempts == 2
    assert r.data["result"]["uids"][0] == "200095632"
    assert t.stats["rate_limited"] == 1 and t.stats["retries"] == 1
    assert sleeps and sleeps[0] >= 1.0  # Retry-After honoured


def test_rate_limit_error_in_200_body_is_retried(router) -> None:  # type: ignore[no-untyped-def]
    route = router.get(url__startswith=ESUMMARY).mock(
        side_effect=[httpx.Response(200, content=RATE_BODY), httpx.Response(200, content=summary_bytes())]
    )
    t = make_transport(router, [])
    r = run(_get_and_close(t, ESUMMARY))
    assert route.call_count == 2 and r.status == 200


async def _get_and_close(t: Transport, url: str, expect: str = "json"):  # type: ignore[no-untyped-def]
    try:
        return await t.get(url, group="eutils", params={"db": "gds"}, expect=expect)
    finally:
        await t.aclose()


def test_retry_after_on_503_is_honoured(router) -> None:  # type: ignore[no-untyped-def]
    router.get(url__startswith=ESUMMARY).mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "2"}, content=b"busy"),
            httpx.Response(200, content=summary_bytes()),
        ]
    )
    sleeps: list[float] = []
    t = make_transport(router, sleeps, backoff_max=30.0)
    run(_get_and_close(t, ESUMMARY))
    assert sleeps == [pytest.approx(2.0, abs=0.01)] or sleeps[0] >= 2.0


def test_error_in_200_is_a_typed_error_not_retried(router) -> None:  # type: ignore[no-untyped-def]
    body = b'{"error":"Too many UIDs in request. Maximum number of UIDs is 500 for JSON format output."}'
    route = router.get(url__startswith=ESUMMARY).respond(200, content=body)
    t = make_transport(router, [])
    with pytest.raises(BodyValidationError, match="Too many UIDs"):
        run(_get_and_close(t, ESUMMARY))
    assert route.call_count == 1


def test_html_408_page_is_retried(router) -> None:  # type: ignore[no-untyped-def]
    route = router.get(url__startswith=ESUMMARY).mock(
        side_effect=[
            httpx.Response(408, content=HTML_408),
            httpx.Response(200, content=HTML_408),
            httpx.Response(200, content=summary_bytes()),
        ]
    )
    t = make_transport(router, [])
    r = run(_get_and_close(t, ESUMMARY))
    assert route.call_count == 3 and r.attempts == 3


def test_captcha_page_is_not_retrievable(router) -> None:  # type: ignore[no-untyped-def]
    route = router.get(url__startswith=ESUMMARY).respond(200, content=CAPTCHA)
    t = make_transport(router, [])
    with pytest.raises(CaptchaError, match="not retrievable by script"):
        run(_get_and_close(t, ESUMMARY))
    assert route.call_count == 1
    route2 = router.get(url__startswith="https://www.ncbi.nlm.nih.gov/geo/").respond(200, content=CAPTCHA)
    t2 = make_transport(router, [])
    with pytest.raises(CaptchaError):
        run(_get_and_close(t2, "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi", expect="soft"))
    assert route2.call_count == 1


def test_connection_reset_and_truncation_are_retried(router) -> None:  # type: ignore[no-untyped-def]
    route = router.get(url__startswith=ESUMMARY).mock(
        side_effect=[
            httpx.ReadError("Connection reset by peer"),
            httpx.RemoteProtocolError("peer closed"),
            httpx.Response(200, content=summary_bytes()[:100]),  # truncated JSON
            httpx.Response(200, content=summary_bytes()),
        ]
    )
    t = make_transport(router, [])
    r = run(_get_and_close(t, ESUMMARY))
    assert route.call_count == 4 and r.attempts == 4


def test_identity_sent_on_every_eutils_call_and_never_leaked(router) -> None:  # type: ignore[no-untyped-def]
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500, content=b"oops")

    router.route(url__startswith=EUTILS).mock(side_effect=record)
    t = make_transport(router, [], api_key="SECRETKEY123", retries=1)

    async def go():  # type: ignore[no-untyped-def]
        try:
            await t.get(ESEARCH, group="eutils", params={"db": "gds", "term": "x"})
        finally:
            await t.aclose()

    with pytest.raises(ok.HTTPStatusError) as info:
        run(go())
    assert "SECRETKEY123" not in str(info.value) and "t@example.org" not in str(info.value)
    assert len(seen) == 2
    for request in seen:
        q = request.url.params
        assert q["tool"] == "omicskit" and q["email"] == "t@example.org" and q["api_key"] == "SECRETKEY123"
        assert "mailto:t@example.org" in request.headers["user-agent"]


def test_repeated_500s_end_as_error_rows(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    router.route(url__startswith=ESUMMARY).respond(500, content=b"Internal Server Error")
    s = session_factory(retries=2)
    df = s.series(["GSE95632", "GSE52778"])
    assert df.empty
    err = s.errors
    assert sorted(err.accession) == ["GSE52778", "GSE95632"]
    assert set(err.status) == {500} and err.retryable.all() and set(err.stage) == {"esummary"}


def test_600_accessions_cost_exactly_two_esummary_posts(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
        uids = form["id"].replace("%2C", ",").split(",")
        return httpx.Response(200, content=docsum_for(uids))

    router.route(url__startswith=ESUMMARY).mock(side_effect=answer)
    s = session_factory()
    accs = [f"GSE{100000 + i}" for i in range(600)]
    df = s.series(accs)
    assert len(calls) == 2 and {c.method for c in calls} == {"POST"}
    assert len(df) == 600 and df.accession.tolist() == accs and s.errors.empty
    # the second time everything comes from the cache: no request at all
    df2 = s.series(accs)
    assert len(calls) == 2 and df2.attrs["row_source"] == ["cache"] * 600


def test_concurrent_calls_stay_under_three_per_second(router) -> None:  # type: ignore[no-untyped-def]
    times: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        times.append(time.monotonic())
        return httpx.Response(200, content=read("eutils/adgencov_esearch_gds.json"))

    router.route(url__startswith=ESEARCH).mock(side_effect=answer)

    async def go() -> None:
        # plain spacing at 2.5/s: 3 intervals span 1.2 s, so 4 arrivals never share a second
        async with ok.AsyncSession(
            email="rate@example.org", cache="memory", progress=False, http_transport=router, eutils_rate=2.5
        ) as s:
            await asyncio.gather(*(s.eutils.esearch(f"q{i}", retmax=5) for i in range(10)))

    run(go())
    assert len(times) == 10
    worst = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert worst <= 3


def test_windowed_limiter_never_grants_more_than_burst_per_window() -> None:
    lim = SpacingLimiter(3 / 1.25, burst=3, window=1.25)
    grants, t = [], 0.0
    for _ in range(12):
        t += lim.reserve()  # reserve() returns the wait relative to "now"; now is ~constant here
        grants.append(t)
        t = 0.0
    starts = sorted(grants)
    assert starts[:3] == [0.0, 0.0, 0.0] or max(starts[:3]) < 0.01  # a burst of 3
    worst = max(sum(1 for g in starts if s <= g < s + 1.2) for s in starts)
    assert worst <= 3


def test_default_limits_survive_arrival_jitter(router) -> None:  # type: ignore[no-untyped-def]
    """NCBI counts arrivals; connection set-up and the network shift them. With
    up to 120 ms of random delay per request (plus the test loop's own scheduling jitter),
    no 1-second window holds 4."""
    import random

    rng = random.Random(7)
    times: list[float] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(rng.uniform(0.0, 0.12))  # delay between the grant and the arrival
        times.append(time.monotonic())
        return httpx.Response(200, content=read("eutils/adgencov_esearch_gds.json"))

    router.route(url__startswith=ESEARCH).mock(side_effect=answer)

    async def go() -> None:
        async with ok.AsyncSession(email="jitter@example.org", cache="memory", progress=False,
                                   http_transport=router) as s:  # fmt: skip
            await asyncio.gather(*(s.eutils.esearch(f"j{i}", retmax=5) for i in range(9)))

    run(go())
    assert len(times) == 9
    worst = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert worst <= 3


def test_spacing_limiter_is_thread_safe_and_spaced() -> None:
    lim = SpacingLimiter(2.8)
    waits = sorted(lim.reserve() for _ in range(6))
    gaps = [b - a for a, b in itertools.pairwise(waits)]
    assert all(g == pytest.approx(1 / 2.8, abs=1e-3) for g in gaps)


def test_rate_limit_error_carries_retry_after() -> None:
    err = RateLimitError("x", retry_after=3.0, status=429)
    assert err.retryable and err.retry_after == 3.0 and err.status == 429
