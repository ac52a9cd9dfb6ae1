"""Floor of the case page with its panels (issue 32): the session row checked and the account and
its units loaded (floor_frame); the case by its reference and the reader's access to it (own unit,
or a valid consent or a plan naming one of the reader's units); the audit row 'case.view' written
and committed before the page is shown, as the portal does; then each of the panels' queries once
by raw sqlite3 (guardians, consents, the green card's ticks, the process and its steps, plans,
meetings, referrals, deviation reports, e-mails that did not arrive) and one minimal template,
compiled once, with the green card's items as checkboxes in a form."""
import datetime as dt
import sys
from pathlib import Path

from flask import abort
from flask_wtf.csrf import generate_csrf
from floor_frame import STAMP, db_connection, make_app, now, page, signed_in

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from portal.guidance.content import GREEN_CARD  # noqa: E402
from portal.guidance.store import load_content  # noqa: E402  (the data: the checklist's items)

app = make_app(__name__)
CHECKLIST = load_content(ROOT / "content").checklists[GREEN_CARD]
CASE = app.jinja_env.from_string("""<h1>{{ case[2] }}</h1><dl><dt>Personnummer</dt><dd>{{ case[3] }}</dd>
<dt>Enhet</dt><dd>{{ case[4] }}</dd><dt>Status</dt><dd>{{ case[5] }}</dd></dl>
<section><h2>Vårdnadshavare</h2><ul>{% for g in guardians %}<li>{{ g[0] }}, {{ g[1] }}, {{ g[2] }}</li>{% endfor %}</ul></section>
<section><h2>Samtycke</h2><ul>{% for c in consents %}<li>{{ c[1] }} till {{ c[2] }}</li>{% endfor %}</ul></section>
<section><h2>{{ checklist.title }}</h2><form method="post" action="/arenden/{{ case[1] }}/grona-kortet">
<input type="hidden" name="csrf_token" value="{{ csrf }}">{% for section in checklist.sections %}<fieldset>
<legend>{{ section.title }}</legend>{% for item in section.items %}<div><input type="checkbox" id="i-{{ item.key }}"
name="items" value="{{ item.key }}"{% if item.key in ticked %} checked{% endif %}><label for="i-{{ item.key }}">
{{ item.text }}</label></div>{% endfor %}</fieldset>{% endfor %}<button>Spara</button></form>
<ol>{% for t in ticks|reverse %}<li>{{ t[0] }} {{ t[1] }}</li>{% endfor %}</ol></section>
<section><h2>Plan</h2><p>{{ process[0] if process else "Ingen process vald" }}</p><ul>{% for s in steps %}
<li>{{ s[0] }} {{ s[1] }}</li>{% endfor %}</ul><ul>{% for p in plans %}<li>{{ p[1] }} {{ p[2] }}</li>{% endfor %}</ul>
<ul>{% for m in meetings %}<li>{{ m[1] }} {{ m[2] }} {{ m[3] }}</li>{% endfor %}</ul></section>
<section><h2>Eskalering</h2><ul>{% for r in referrals %}<li>{{ r[1] }} {{ r[2] }}</li>{% endfor %}</ul></section>
<section><h2>Avvikelser</h2><ul>{% for d in deviations %}<li>{{ d[0] }} {{ d[1] }}</li>{% endfor %}</ul></section>
{% if problems %}<section><h2>E-post som inte har kommit fram</h2><ul>{% for p in problems %}<li>{{ p[1] }}
{{ p[2] }}</li>{% endfor %}</ul></section>{% endif %}""")


@app.get("/arenden/<ref>")
def case_page(ref: str):
    user = signed_in()
    db = db_connection()
    case = db.execute("SELECT id, ref, child_name, personal_number, unit_key, status FROM cases WHERE ref = ?",
                      (ref,)).fetchone()
    if case is None or user.role not in ("staff", "manager", "admin"):
        abort(404)
    units, today = user.units, dt.date.today().isoformat()
    marks = ",".join("?" * len(units))
    acting = case[4] if case[4] in units else (db.execute(
        f"SELECT cu.unit_key FROM consent_units cu JOIN consents c ON c.id = cu.consent_id WHERE c.case_id = ? "
        f"AND c.status = 'valid' AND c.valid_until >= ? AND cu.unit_key IN ({marks}) UNION "
        f"SELECT unit_key FROM plan_units WHERE case_id = ? AND unit_key IN ({marks}) LIMIT 1",
        (case[0], today, *units, case[0], *units)).fetchone() or abort(404))[0]
    with db:
        db.execute("INSERT INTO audit_events (at, user_id, actor, unit_key, case_id, action, object_type, object_id, "
                   "detail) VALUES (?, ?, '', ?, ?, 'case.view', 'case', ?, '')",
                   (now().strftime(STAMP), user.id, acting, case[0], str(case[0])))
    cid = case[0]
    ticks = db.execute("SELECT item_key, ticked, at FROM checklist_ticks WHERE case_id = ? AND checklist_key = ? "
                       "ORDER BY at, id", (cid, GREEN_CARD)).fetchall()
    latest = {}
    for key, ticked, _at in ticks:
        latest[key] = ticked
    body = CASE.render(
        case=case, checklist=CHECKLIST, ticks=ticks, ticked={k for k, v in latest.items() if v}, csrf=generate_csrf(),
        guardians=db.execute("SELECT name, phone, email FROM guardians WHERE case_id = ? ORDER BY id", (cid,)).fetchall(),
        consents=db.execute("SELECT id, status, valid_until FROM consents WHERE case_id = ? ORDER BY id",
                            (cid,)).fetchall(),
        process=db.execute("SELECT process_key, acute FROM case_processes WHERE case_id = ?", (cid,)).fetchone(),
        steps=db.execute("SELECT step_key, done_on FROM process_step_records WHERE case_id = ?", (cid,)).fetchall(),
        plans=db.execute("SELECT id, kind, created_at FROM plans WHERE case_id = ? ORDER BY id", (cid,)).fetchall(),
        meetings=db.execute("SELECT id, purpose, starts_at, place FROM meetings WHERE case_id = ? ORDER BY starts_at",
                            (cid,)).fetchall(),
        referrals=db.execute("SELECT id, level_key, referred_at FROM case_referrals WHERE case_id = ? ORDER BY id",
                             (cid,)).fetchall(),
        deviations=db.execute("SELECT ref, status FROM deviation_reports WHERE case_id = ? ORDER BY id",
                              (cid,)).fetchall(),
        problems=db.execute(
            "SELECT o.id, o.kind, o.to_addr FROM outbox_messages o WHERE o.case_id = ? AND (o.status = 'failed' OR "
            "(o.status = 'waiting' AND o.attempts > 0)) AND NOT EXISTS (SELECT 1 FROM outbox_messages l WHERE "
            "l.case_id = ? AND l.kind = o.kind AND l.to_addr = o.to_addr AND l.id > o.id AND l.status = 'sent') "
            "ORDER BY o.id DESC LIMIT 50", (cid, cid)).fetchall())
    return page(app, case[2], body, user)
