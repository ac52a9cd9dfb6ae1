"""1. A guideline page: the portal under gunicorn, a minimal Flask app returning the same HTML from
memory, nginx serving it as a static file, and the portal behind the recommended nginx."""
from __future__ import annotations

import urllib.request

from harness import HERE, Row, gunicorn, nginx, ratio, wrk
from load import STAFF, WORKERS, Browser

PAGE = "/riktlinjer/norrbus-riktlinjer"


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:  # noqa: S310 (loopback)
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def run(ctx, results) -> None:
    portal = ctx.main_portal()
    status, headers, html = fetch(portal.url + PAGE)
    assert status == 200 and b"<h1" in html, "the guideline page did not render"
    static = ctx.folder / "static"
    (static / "riktlinjer").mkdir(parents=True, exist_ok=True)
    page_file = static / "riktlinjer" / "norrbus-riktlinjer.html"
    page_file.write_bytes(html)
    size = f"{len(html) // 1024} KiB page"

    minimal = gunicorn("cached-page", "cached_page:app", workers=WORKERS, cwd=HERE / "baselines",
                       env={"BENCH_HTML": str(page_file)}, ready_path=PAGE, log=ctx.log).start()
    static_nginx = nginx(ctx.folder / "nginx-static", static_root=static, log=ctx.log)
    proxy_nginx = nginx(ctx.folder / "nginx-proxy", portal_port=portal.port, log=ctx.log)
    try:
        static_nginx.start()
        proxy_nginx.start()
        checks = http_checks(portal.url, proxy_nginx.url)
        c, s = ctx.connections, ctx.seconds
        base = wrk(minimal.url, [PAGE], connections=c, seconds=s)
        mine = wrk(portal.url, [PAGE], connections=c, seconds=s)
        cookie = Browser(portal.url).login(STAFF).cookie
        signed_in = wrk(portal.url, [PAGE], connections=c, seconds=s, cookie=cookie)
        plain = wrk(static_nginx.url, [PAGE], connections=c, seconds=s)
        behind = wrk(proxy_nginx.url, [PAGE], connections=c, seconds=s)
    finally:
        for server in (minimal, static_nginx, proxy_nginx):
            server.stop()
    for load in (base, mine, signed_in, plain, behind):
        assert load.status["2xx"] == load.requests and not load.errors, f"failed requests: {load}"
    results.add(
        Row("1 guideline page", "minimal Flask app, cached HTML (gunicorn)", base.rps, base.p50_ms, base.p99_ms, note=size),
        Row("1 guideline page", "portal (gunicorn), no session", mine.rps, mine.p50_ms, mine.p99_ms,
            note=f"{ratio(mine.rps, base.rps):.2f} x minimal"),
        Row("1 guideline page", "portal (gunicorn), signed in: rendered each time", signed_in.rps, signed_in.p50_ms,
            signed_in.p99_ms, note=f"{ratio(signed_in.rps, base.rps):.2f} x minimal"),
        Row("1 guideline page", "nginx, static file", plain.rps, plain.p50_ms, plain.p99_ms),
        Row("1 guideline page", "portal behind the recommended nginx", behind.rps, behind.p50_ms, behind.p99_ms,
            note=f"{ratio(behind.rps, plain.rps):.2f} x nginx static"),
    )
    results.target("1 guideline page", "portal >= 0.9 x minimal Flask app",
                   f"{ratio(mine.rps, base.rps):.2f} x", ratio(mine.rps, base.rps) >= 0.9)
    results.target("1 guideline page", "portal p99 <= 20 ms at 32 connections", f"{mine.p99_ms:.1f} ms",
                   mine.p99_ms <= 20)
    results.target("1 guideline page", "behind the recommended nginx >= 0.5 x nginx static file",
                   f"{ratio(behind.rps, plain.rps):.2f} x", ratio(behind.rps, plain.rps) >= 0.5)
    results.target("1 guideline page", "public pages: Cache-Control, ETag/Last-Modified, 304; personal pages never cached",
                   "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()), all(checks.values()))


def http_checks(portal: str, proxy: str) -> dict[str, bool]:
    """What the caching promises, checked on the running servers."""
    _, h, _ = fetch(portal + PAGE)
    etag, modified = h.get("ETag"), h.get("Last-Modified")
    checks = {
        "public max-age": "public" in h.get("Cache-Control", "") and "max-age=" in h.get("Cache-Control", ""),
        "ETag and Last-Modified": bool(etag and modified),
        "304 on If-None-Match": fetch(portal + PAGE, {"If-None-Match": etag or "-"})[0] == 304,
        "304 on If-Modified-Since": fetch(portal + PAGE, {"If-Modified-Since": modified or "-"})[0] == 304,
    }
    fetch(proxy + PAGE)
    checks["nginx HIT"] = fetch(proxy + PAGE)[1].get("X-Cache-Status") == "HIT"
    checks["nginx 304"] = fetch(proxy + PAGE, {"If-None-Match": etag or "-"})[0] == 304
    visitor = Browser(proxy).login(STAFF)
    seen = []
    for _ in range(2):
        with visitor.opener.open(proxy + "/arenden/", timeout=30) as r:  # noqa: S310 (loopback)
            seen.append((r.headers.get("X-Cache-Status"), r.headers.get("Cache-Control")))
        with visitor.opener.open(proxy + PAGE, timeout=30) as r:  # noqa: S310 (loopback)
            seen.append((r.headers.get("X-Cache-Status"), r.headers.get("Cache-Control")))
    checks["signed in: never from cache, no-store"] = all(s != "HIT" and cc == "no-store" for s, cc in seen)
    return checks
