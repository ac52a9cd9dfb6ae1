"""8. Through the deployed stack (issue 27's rows, issue 32's burst): tests/deployed/stack.py as it
is, nginx terminating TLS with the project's deploy/nginx/ snippets unchanged, two gunicorn
instances of two workers, Redis for the rate limits, the outbox worker sending to an SMTP sink;
once on SQLite (one file shared by both instances) and once on MariaDB. Under wrk over https: the
guideline page without and with a session, the same page straight from one instance (the direct
gunicorn row beside it; signed in, section 1's direct row, as the session cookie needs https), the report submission at 32 connections, and a burst of 50 connections
submitting for 10 s; every submission counted in the database afterwards (zero lost) and the
burst's p99 against 1 s."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from harness import ROOT, Row, wrk
from load import MANAGER, PASSWORD, STAFF, Browser
from load_submit import SIGNED_NAME, portal_counts, signed_in, submit_load

GUIDELINE = "/riktlinjer/norrbus-riktlinjer"
BURST_CONNECTIONS, BURST_SECONDS = 50, 10
DATABASES = ("sqlite", "mariadb")


def accounts(app) -> None:
    """The benchmark's staff member and rektor with the benchmark's password (the demo data has them)."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from portal.accounts.service import create_user
    from portal.extensions import db

    with app.app_context():
        for email, name, role in ((STAFF, SIGNED_NAME, "staff"), (MANAGER, "Rut Rektorsson", "manager")):
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                create_user(email, name, PASSWORD, role, ["solbackens-skola"])
            else:
                user.name, user.password_hash = name, hash_password(PASSWORD)
        db.session.commit()
        db.session.remove()


def submissions(app, url: str, what: str, connections: int, seconds: float, results, database: str):
    """One submission load, counted in the database: (row, lost-check text, nothing lost)."""
    before = portal_counts(app)
    load = submit_load(url, **signed_in(url), connections=connections, seconds=seconds)
    after = portal_counts(app)
    delta = {k: after[k] - before[k] for k in after}
    n = load.completed
    checks = {"submitted": delta["submitted"], "routed to the rektor": delta["routed_to_manager"],
              "e-mails to the rektor": delta["outbox_routed"], "audit 'submit'": delta["audit_submit"]}
    ok = n > 0 and load.failures == 0 and all(v == n for v in checks.values()) \
        and delta["reports"] == load.counts["drafts"]
    row = Row("8 deployed", f"{database}: {what}", load.per_second, load.p50_ms, load.p99_ms,
              note=(f"submissions/s over https (each 2 requests; p50/p99 per request); {n} submitted in "
                    f"{load.seconds:.1f} s, {load.failures} failed or unanswered"))
    counted = f"wrk {n}; " + ", ".join(f"{k} {v}" for k, v in checks.items()) + \
        f"; drafts: wrk {load.counts['drafts']}, database {delta['reports']}"
    return row, load, counted, ok


def run(ctx, results) -> None:
    from portal import create_app
    from tests.deployed.stack import Stack

    for database in DATABASES:
        folder = Path(tempfile.mkdtemp(prefix=f"portal-bench-stack-{database}-"))
        stack = Stack(folder, database=database)
        try:
            stack.start()
            app = create_app({"SQLALCHEMY_DATABASE_URI": stack.database_url, "INSTANCE_PATH": str(folder),
                              "PORTAL_BASE_URL": stack.url})
            accounts(app)
            c, s = ctx.connections, ctx.seconds
            direct = f"http://127.0.0.1:{stack.processes['app1'].port}"
            cookie = Browser(stack.url).login(STAFF).cookie
            pages = [("guideline page, no session (nginx cache)", stack.url, ""),
                     ("guideline page, signed in", stack.url, cookie),
                     # Signed in needs https (the session cookie is Secure): section 1 has the direct signed-in row.
                     ("guideline page, no session, straight from one instance (gunicorn, no nginx)", direct, "")]
            for what, url, jar in pages:
                load = wrk(url, [GUIDELINE], connections=c, seconds=s, cookie=jar)
                assert load.status["2xx"] == load.requests and not load.errors, f"{database} {what}: {load}"
                results.add(Row("8 deployed", f"{database}: {what}", load.rps, load.p50_ms, load.p99_ms,
                                note="https through nginx" if url == stack.url else "http on loopback"))
            row, _load, counted, ok = submissions(app, stack.url, "report submission (form + signature)", c, s,
                                                  results, database)
            results.add(row)
            results.target("8 deployed", f"{database}: submissions through nginx with TLS, zero lost", counted, ok)
            burst_s = min(BURST_SECONDS, max(ctx.seconds, 2)) if ctx.quick else BURST_SECONDS
            row, load, counted, ok = submissions(app, stack.url, f"burst: {BURST_CONNECTIONS} connections submitting "
                                                 f"for {burst_s:g} s", BURST_CONNECTIONS, burst_s, results, database)
            results.add(row)
            results.target("8 deployed", f"{database}: a burst of reports ({BURST_CONNECTIONS} connections, "
                           f"{burst_s:g} s, nginx with TLS) loses nothing", counted, ok)
            results.target("8 deployed", f"{database}: the burst's p99 < 1 s", f"p99 {load.p99_ms:.0f} ms "
                           f"(p50 {load.p50_ms:.0f} ms)", load.p99_ms < 1000)
        except Exception:
            print(stack.log_tails(20))
            raise
        finally:
            stack.stop()
            shutil.rmtree(folder, ignore_errors=True)


__all__ = ["run", "ROOT"]
