"""Baseline: the smallest Flask app that takes the deviation form's fields in a POST and inserts
one row into SQLite (WAL, synchronous=NORMAL, busy_timeout as portal/database.py sets them),
then answers 303. No CSRF, no session, no validation, no routing, no outbox, no audit."""
import json
import os

from flask import Flask, redirect, request
from worker_sqlite import connection, prepare

app = Flask(__name__)
DATABASE = os.environ["BENCH_DATABASE"]
FIELDS = ("reporter_unit", "case_ref", "event__event_date-day", "event__event_date-month", "event__event_date-year",
          "event__concerned_unit", "event__kind", "client__initials_or_age", "description__reason",
          "description__consequences_child", "description__consequences_services",
          "description__proposed_measures", "signed_name")
SCHEMA = ("CREATE TABLE IF NOT EXISTS reports "
          "(id INTEGER PRIMARY KEY, created_at TEXT DEFAULT CURRENT_TIMESTAMP, record TEXT)")


@app.post("/avvikelser/ny")
def insert():
    record = {name: request.form.get(name, "") for name in FIELDS}
    db = connection(DATABASE)
    with db:
        db.execute("INSERT INTO reports (record) VALUES (?)", (json.dumps(record, ensure_ascii=False),))
    return redirect("/avvikelser/ok", code=303)


@app.get("/avvikelser/ok")
def ok():
    return "ok"


prepare(DATABASE, SCHEMA)
