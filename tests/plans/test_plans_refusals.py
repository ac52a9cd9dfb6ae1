"""A plan step the service refuses (PlanError) is told in Swedish and changes nothing (through saving())."""
from __future__ import annotations

from tests.helpers import login
from tests.support.plans import SKOLA, new_plan, plan_id_from, version_status


def test_approving_when_nothing_waits_for_the_unit_is_refused_and_changes_nothing(app, make_user, make_case):
    anna = make_user("anna@skola.example", units=(SKOLA,))
    ref = make_case(anna, unit_key=SKOLA)
    client = app.test_client()
    login(client, "anna@skola.example")
    editor = new_plan(client, ref)
    view = editor.replace("/redigera", "")
    response = client.post(f"{view}/godkann", data={"unit_key": SKOLA})
    assert response.status_code == 302 and response.headers["Location"].endswith(view)
    page = client.get(view).get_data(as_text=True)
    assert "Det finns inget godkännande som väntar på din enhet." in page
    assert version_status(app, plan_id_from(editor), 1) == "draft"
    # a unit that is not the user's: the same answer
    client.post(f"{view}/godkann", data={"unit_key": "ifo-barn-och-familj"})
    assert "Det finns inget godkännande som väntar på din enhet." in client.get(view).get_data(as_text=True)
