"""What the hand-written floors of the signed-in pages share (issue 32): a Flask app on the portal's
own SQLite file (BENCH_DATABASE), a sign-in that starts a server-side session row as
portal/accounts/sessions.py does, and every request checking that row and loading the account in
one indexed SELECT by raw sqlite3, as the portal's user loader does (live: not ended, not idle,
not too old; last_seen_at touched at most once a minute in its own transaction). The reader's
frame (menu, the account's name, the logout form with its CSRF token) is one Jinja template
compiled once. No ORM, no blueprints, no guards beyond the ones named: the floor any implementation
of these pages stands on."""
import datetime as dt
import hashlib
import os
import secrets

from flask import Flask, abort, g, redirect, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf
from worker_sqlite import connection

DATABASE = os.environ["BENCH_DATABASE"]
IDLE = dt.timedelta(minutes=120)       # PORTAL_SESSION_IDLE_MINUTES' default
LIFETIME = dt.timedelta(hours=10)      # PORTAL_SESSION_LIFETIME_HOURS' default
TOUCH_EVERY = dt.timedelta(minutes=1)
STAMP = "%Y-%m-%d %H:%M:%S.%f"         # how SQLAlchemy stores a datetime in SQLite

FRAME = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{{ title }} – Samverkansportalen</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/static/css/portal.css">
</head><body><a class="skip-link" href="#main">Till innehållet</a>
<header><a href="/">Samverkansportalen</a><nav aria-label="Huvudmeny"><ul>
{% for href, label in menu %}<li><a href="{{ href }}">{{ label }}</a></li>{% endfor %}</ul></nav>
<p>Inloggad som {{ account.name }}</p><form method="post" action="/logga-ut">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><button>Logga ut</button></form></header>
<main id="main">{{ body }}</main><footer><a href="/tillganglighet">Tillgänglighet</a></footer></body></html>"""
MENU = [("/riktlinjer/", "Riktlinjer"), ("/sok", "Sök"), ("/arenden/", "Ärenden"), ("/avvikelser/", "Avvikelser"),
        ("/inkorg", "Inkorg")]


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def make_app(name: str) -> Flask:
    app = Flask(name)
    app.config["SECRET_KEY"] = os.environ.get("BENCH_SECRET", "floor-baseline-secret-key-on-loopback")
    CSRFProtect(app)
    app.extensions["frame"] = app.jinja_env.from_string(FRAME)   # compiled once

    @app.get("/logga-in")
    def login_page():
        return f'<form method="post" action="/logga-in"><input name="csrf_token" value="{generate_csrf()}"></form>'

    @app.post("/logga-in")
    def login():
        db = db_connection()
        row = db.execute("SELECT id FROM users WHERE email = ? AND active = 1", (request.form.get("email", ""),)).fetchone()
        if row is None:
            abort(403)
        token, at = secrets.token_urlsafe(32), now().strftime(STAMP)
        with db:
            db.execute("INSERT INTO account_sessions (token_hash, user_id, created_at, last_seen_at, end_reason, device) "
                       "VALUES (?, ?, ?, ?, '', 'floor')", (hashlib.sha256(token.encode()).hexdigest(), row[0], at, at))
        session["_sid"], session["uid"] = token, row[0]
        return redirect("/", code=303)

    @app.get("/")
    def start():
        return "ok" if account() else redirect("/logga-in")

    return app


def db_connection():
    return connection(DATABASE)


class Account:
    __slots__ = ("id", "email", "name", "role", "session_id", "_units")

    def __init__(self, row):
        self.session_id, self.id, self.email, self.name, self.role = row
        self._units = None

    @property
    def units(self) -> list[str]:
        if self._units is None:
            self._units = [r[0] for r in db_connection().execute(
                "SELECT unit_key FROM user_units WHERE user_id = ? ORDER BY unit_key", (self.id,))]
        return self._units


def account() -> Account | None:
    """The account of the live session the cookie names, or None (the portal's user loader, by hand)."""
    token = session.get("_sid")
    if not isinstance(token, str):
        return None
    db = db_connection()
    row = db.execute("SELECT s.id, s.created_at, s.last_seen_at, s.ended_at, u.id, u.email, u.name, u.role, u.active "
                     "FROM account_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
                     (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()
    if row is None or row[4] != session.get("uid") or not row[8] or row[3] is not None:
        return None
    at, created, seen = now(), dt.datetime.strptime(row[1], STAMP), dt.datetime.strptime(row[2], STAMP)
    if at - created >= LIFETIME or at - seen >= IDLE:
        return None
    if at - seen >= TOUCH_EVERY:
        with db:
            db.execute("UPDATE account_sessions SET last_seen_at = ? WHERE id = ?", (at.strftime(STAMP), row[0]))
    g.account = Account((row[0], row[4], row[5], row[6], row[7]))
    return g.account


def signed_in() -> Account:
    return account() or abort(403)


def page(app: Flask, title: str, body: str, user: Account):
    """The body in the reader's frame, not cached (as the portal's signed-in pages: no-store)."""
    html = app.extensions["frame"].render(title=title, body=body, menu=MENU, account=user, csrf=generate_csrf())
    return html, 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
