"""Floor of the managers' inbox page (issue 32): the session row checked and the account loaded
(floor_frame); the same four queries on the kept inbox entries as the portal (the figures by status
in one GROUP BY, the page's 50 report ids, the 20 waiting and the 20 old open ones), the reports and
the reader's own recipient rows for those ids, and one minimal template compiled once."""
import datetime as dt

from flask import abort, request
from floor_frame import STAMP, db_connection, make_app, now, page, signed_in

app = make_app(__name__)
PER_PAGE, SHORT = 50, 20
INBOX = app.jinja_env.from_string("""<h1>Inkorg</h1><ul>{% for status, n, waiting, old in counts %}
<li>{{ status }}: {{ n }}</li>{% endfor %}</ul><h2>Väntar på dig ({{ waiting|length }})</h2>
<ul>{% for id in waiting %}<li><a href="/avvikelser/{{ reports[id][1] }}">{{ reports[id][1] }}</a></li>{% endfor %}</ul>
<h2>Öppna länge ({{ old|length }})</h2><ul>{% for id in old %}<li>{{ reports[id][1] }}</li>{% endfor %}</ul>
<table><caption>Rapporter</caption><thead><tr><th>Rapport</th><th>Status</th><th>Från</th><th>Gäller</th><th>Inkommen</th>
<th>Din roll</th></tr></thead><tbody>{% for id in items %}{% set r = reports[id] %}<tr><td><a href="/avvikelser/{{ r[1] }}">
{{ r[1] }}</a></td><td>{{ r[2] }}</td><td>{{ r[3] }}</td><td>{{ r[4] }}</td><td>{{ r[5][:10] }}</td>
<td>{{ roles.get(id, [])|join(", ") }}</td></tr>{% endfor %}</tbody></table>
<nav aria-label="Sidor"><a href="/inkorg?sida={{ page + 1 }}">Nästa</a></nav>""")


@app.get("/inkorg")
def inbox():
    user = signed_in()
    if user.role not in ("manager", "admin", "staff"):
        abort(403)
    try:
        page_no = max(int(request.args.get("sida", 1)), 1)
    except ValueError:
        page_no = 1
    db = db_connection()
    old_before = (now() - dt.timedelta(days=30)).strftime(STAMP)
    counts = db.execute("SELECT status, count(*), sum(waiting), sum(is_open = 1 AND submitted_at < ?) "
                        "FROM deviation_inbox WHERE user_id = ? GROUP BY status", (old_before, user.id)).fetchall()
    order = " ORDER BY submitted_at DESC, report_id DESC LIMIT ? OFFSET ?"
    items = [r[0] for r in db.execute("SELECT report_id FROM deviation_inbox WHERE user_id = ?" + order,
                                      (user.id, PER_PAGE, (page_no - 1) * PER_PAGE))]
    waiting = [r[0] for r in db.execute("SELECT report_id FROM deviation_inbox WHERE user_id = ? AND waiting = 1" + order,
                                        (user.id, SHORT, 0))]
    old = [r[0] for r in db.execute("SELECT report_id FROM deviation_inbox WHERE user_id = ? AND is_open = 1 AND "
                                    "submitted_at < ?" + order, (user.id, old_before, SHORT, 0))]
    ids = list(dict.fromkeys(items + waiting + old))
    marks = ",".join("?" * len(ids))
    reports = {r[0]: r for r in db.execute(
        f"SELECT id, ref, status, reporter_unit_key, concerned_unit_key, submitted_at FROM deviation_reports "
        f"WHERE id IN ({marks})", ids)} if ids else {}
    roles: dict = {}
    if ids:
        for report_id, capacity in db.execute(f"SELECT report_id, capacity FROM deviation_recipients WHERE report_id "
                                              f"IN ({marks}) AND lower(email) = ?", (*ids, user.email.lower())):
            roles.setdefault(report_id, []).append(capacity)
    body = INBOX.render(counts=counts, items=[i for i in items if i in reports], waiting=[i for i in waiting if i in reports],
                        old=[i for i in old if i in reports], reports=reports, roles=roles, page=page_no)
    return page(app, "Inkorg", body, user)
