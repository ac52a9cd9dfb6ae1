"""Baseline: the portal's submission flow written by hand, as small as it can be with the same
guarantees, to show what any implementation of that flow reaches on this machine.

The same two POSTs as a reporter makes them, under the same Flask and the same Flask-WTF CSRF
check as the portal, for a signed-in user (Flask's signed session cookie):

1. POST /avvikelser/ny: the fields the form definition (forms/deviation_report.yaml) requires,
   the kind among its choices, both units known and the event date real and not in the future;
   then in one transaction the draft report, its history event and its audit row (3 rows); 303
   to .../granska.
2. POST /avvikelser/<ref>/granska: the signed name must be the account's and the report the
   user's own draft; the recipients looked up in a dict (the routing), then in one transaction the
   report marked submitted, three recipients, the history event, the audit row and two outbox
   e-mails (7 rows and an update); 303 to the report.

About ten rows a submission, as the portal writes. No ORM, no forms built from the definition,
no templates, no inbox, no personal-number guard: raw sqlite3 with the pragmas portal/database.py
sets."""
import datetime as dt
import json
import os
import secrets
from pathlib import Path

import yaml
from flask import Flask, abort, redirect, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf
from worker_sqlite import connection, prepare

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("BENCH_SECRET", "floor-baseline-secret-key-on-loopback")
CSRFProtect(app)
DATABASE = os.environ["BENCH_DATABASE"]
ACCOUNT_NAME = os.environ["BENCH_NAME"]
# The fields, which are required and the kinds to choose from: read once from the portal's form
# definition (the data, not the portal's code that builds forms from it).
_DEFINITION = yaml.safe_load((Path(__file__).resolve().parents[2] / "forms" / "deviation_report.yaml")
                             .read_text(encoding="utf-8"))
_DEFINED = [(f"{s['key']}__{f['key']}", f) for s in _DEFINITION["sections"] for f in s["fields"]]
REQUIRED = ("reporter_unit",) + tuple(k for k, f in _DEFINED if f.get("required") and f["type"] != "date")
FIELDS = ("reporter_unit", "case_ref") + tuple(k for k, f in _DEFINED if f["type"] != "date")
KINDS = {c["value"] for k, f in _DEFINED if k == "event__kind" for c in f["choices"]}
# The routing, by hand, for the benchmark's two units (content/directory.yaml): the reporter's
# unit -> its rektor, the concerned unit -> its enhetschef.
MANAGERS = {"solbackens-skola": "rut.rektorsson@arjeplog.example",
            "ifo-barn-och-familj": "erik.enhetsson@arjeplog.example"}
SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (id INTEGER PRIMARY KEY, ref TEXT UNIQUE, status TEXT, reporter TEXT,
    record TEXT, created_at TEXT, submitted_at TEXT, signed_name TEXT);
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, report_id INTEGER, kind TEXT, at TEXT, actor TEXT);
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, at TEXT, actor TEXT, action TEXT, object_id INTEGER);
CREATE TABLE IF NOT EXISTS recipients (id INTEGER PRIMARY KEY, report_id INTEGER, capacity TEXT, email TEXT);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, dedupe_key TEXT UNIQUE, to_addr TEXT, subject TEXT,
    body TEXT, created_at TEXT);
"""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def form_page(action: str) -> str:
    return f'<form method="post" action="{action}"><input name="csrf_token" value="{generate_csrf()}"></form>'


@app.get("/logga-in")
def login_page():
    return form_page("/logga-in")


@app.post("/logga-in")
def login():
    session["user"] = request.form.get("email", "")
    return redirect("/", code=303)


@app.get("/")
def start():
    return "ok" if session.get("user") else redirect("/logga-in")


@app.get("/avvikelser/ny")
def new_page():
    return form_page("/avvikelser/ny")


@app.post("/avvikelser/ny")
def new():
    user = session.get("user") or abort(403)
    form = request.form
    if (any(not form.get(name, "").strip() for name in REQUIRED) or form["event__kind"] not in KINDS
            or form["reporter_unit"] not in MANAGERS or form["event__concerned_unit"] not in MANAGERS):
        abort(422)
    try:
        day = dt.date(int(form["event__event_date-year"]), int(form["event__event_date-month"]),
                      int(form["event__event_date-day"]))
    except (KeyError, ValueError):
        abort(422)
    if day > dt.date.today():
        abort(422)
    record = {name: form.get(name, "") for name in FIELDS} | {"event_date": day.isoformat()}
    ref = "AV-" + secrets.token_hex(5).upper()
    at = now()
    db = connection(DATABASE)
    with db:
        report_id = db.execute("INSERT INTO reports (ref, status, reporter, record, created_at) VALUES (?, ?, ?, ?, ?)",
                               (ref, "draft", user, json.dumps(record, ensure_ascii=False), at)).lastrowid
        db.execute("INSERT INTO events (report_id, kind, at, actor) VALUES (?, 'create', ?, ?)", (report_id, at, user))
        db.execute("INSERT INTO audit (at, actor, action, object_id) VALUES (?, ?, 'deviation.create', ?)",
                   (at, user, report_id))
    return redirect(f"/avvikelser/{ref}/granska", code=303)


@app.post("/avvikelser/<ref>/granska")
def review(ref: str):
    user = session.get("user") or abort(403)
    if request.form.get("confirm") != "y" or request.form.get("signed_name", "").strip() != ACCOUNT_NAME:
        abort(422)
    db = connection(DATABASE)
    with db:
        row = db.execute("SELECT id, record FROM reports WHERE ref = ? AND reporter = ? AND status = 'draft'",
                         (ref, user)).fetchone()
        if row is None:
            abort(404)
        report_id, record = row[0], json.loads(row[1])
        rektor, concerned = MANAGERS[record["reporter_unit"]], MANAGERS[record["event__concerned_unit"]]
        at = now()
        db.execute("UPDATE reports SET status = 'submitted', submitted_at = ?, signed_name = ? WHERE id = ?",
                   (at, ACCOUNT_NAME, report_id))
        db.executemany("INSERT INTO recipients (report_id, capacity, email) VALUES (?, ?, ?)",
                       [(report_id, "recipient", rektor), (report_id, "concerned", concerned),
                        (report_id, "reporter", user)])
        event_id = db.execute("INSERT INTO events (report_id, kind, at, actor) VALUES (?, 'submit', ?, ?)",
                              (report_id, at, user)).lastrowid
        db.execute("INSERT INTO audit (at, actor, action, object_id) VALUES (?, ?, 'deviation.submit', ?)",
                   (at, user, report_id))
        body = f"En avvikelserapport ({ref}) har kommit till dig. Logga in i portalen för att läsa den."
        db.executemany("INSERT INTO outbox (dedupe_key, to_addr, subject, body, created_at) VALUES (?, ?, ?, ?, ?)",
                       [(f"deviation.routed:{event_id}:{addr}", addr, f"Ny avvikelserapport {ref}", body, at)
                        for addr in (rektor, concerned)])
    return redirect(f"/avvikelser/{ref}", code=303)


prepare(DATABASE, SCHEMA)
