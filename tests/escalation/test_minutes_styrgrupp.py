"""Issue 30.10: Arjeplog's routine says "Möten ska dokumenteras i form av minnesanteckningar som
delges deltagarna och alla i styrgruppen". Once a case's question has been referred to the
styrgrupp, shared minutes of its meetings reach every member of the styrgrupp (the level's
service-level managers in the directory) by e-mail without personal data, and the members can read
those minutes and nothing else of the case. Where the routine does not say so (before a referral,
Norrbus' levels, Kronobarn), nothing is sent. The rule is content (content/escalation.yaml)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.config import ROOT
from portal.timeutil import today_local
from tests.support.meetings import outbox, signed_in
from tests.support.plans import SKOLA, VC, date_fields, give_consent

MEMBERS = ["greta.grundstrom@arjeplog.example", "sofia.socialchefsson@arjeplog.example",
           "vera.verksamhetsdotter@norrbotten.example"]
NOTES = "Skolan och IFO är oense om vem som ordnar skolskjutsen. Beslut: frågan går till styrgruppen."


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def world(app, make_user, make_case):
    people = {"anna": make_user("anna.larare@arjeplog.example", units=("solbackens-skola",), name="Anna Lärarsson"),
              "vera": make_user("vera.vard@norrbotten.example", units=("arjeplogs-vardcentral",), name="Vera Vårdsson"),
              "sofia": make_user(MEMBERS[1], role="manager", units=("ifo-barn-och-familj",), name="Sofia Socialchefsson")}
    cases = {"arjeplog": make_case(people["anna"], unit_key="solbackens-skola"),
             "norrbus": make_case(people["vera"], unit_key="arjeplogs-vardcentral")}
    return app, cases


_client, _outbox = signed_in, outbox


def _meeting_with_notes(client, ref, me: str) -> str:
    """A meeting with the staff member `me` as participant (their unit is covered by a consent)."""
    day = today_local() + dt.timedelta(days=20)
    response = client.post(f"/arenden/{ref}/moten/nytt", data={
        **date_fields("day", day), "start": "09:00", "end": "10:00", "place": "Kommunhuset",
        "purpose": "Ansvaret för skjutsen.", "child_participation": "on_site"})
    assert response.status_code == 302
    meeting = response.headers["Location"].split("#")[0].replace("http://localhost", "")
    page = client.get(meeting).get_data(as_text=True)
    who = re.search(r'<option value="(staff:[^"]+)">' + me, page).group(1)
    assert client.post(f"{meeting}/deltagare", data={"who": who, "purpose": "Skolans bild"}).status_code == 302
    return meeting


def _share(client, meeting):
    response = client.post(f"{meeting}/anteckningar", data={"notes": NOTES, "share": "1"})
    assert response.status_code == 302


def _minutes_url(meeting: str) -> str:
    return "/minnesanteckningar/" + meeting.rsplit("/", 1)[1]


def test_the_rule_quotes_the_routine_and_is_content():
    routine = _words((ROOT / "content/guidelines/arjeplog-rutiner.md").read_text(encoding="utf-8"))
    rule = "Möten ska dokumenteras i form av minnesanteckningar som delges deltagarna och alla i styrgruppen."
    assert rule in routine
    assert _words((ROOT / "content/escalation.yaml").read_text(encoding="utf-8")).count(rule) == 1


def test_after_a_referral_the_styrgrupp_gets_the_minutes_and_reads_only_them(world):
    app, cases = world
    ref = cases["arjeplog"]
    anna = _client(app, "anna.larare@arjeplog.example")
    sofia = _client(app, MEMBERS[1])
    give_consent(app, anna, ref, (SKOLA, VC))
    meeting = _meeting_with_notes(anna, ref, "Anna Lärarsson")

    # Before the referral the routine's styrgrupp has no part in the case: nothing is sent.
    _share(anna, meeting)
    assert _outbox(app, "escalation.minutes") == []
    assert [to for to, _s, _b in _outbox(app, "meeting.notes")] == ["anna.larare@arjeplog.example"]
    assert sofia.get(_minutes_url(meeting)).status_code == 404

    assert "hänskjuten till Styrgruppen" not in anna.get(meeting).get_data(as_text=True)
    assert anna.post(f"/arenden/{ref}/oenighet", data={"question": "Vem ordnar skolskjutsen?"}).status_code == 303
    # The meeting page says who else will get the minutes.
    assert "hänskjuten till Styrgruppen i Arjeplog. När du delar anteckningarna får alla medlemmar" in \
        anna.get(meeting).get_data(as_text=True)
    _share(anna, meeting)
    mails = _outbox(app, "escalation.minutes")
    assert sorted(to for to, _s, _b in mails) == sorted(MEMBERS)
    for _to, subject, body in mails:
        assert "Styrgruppen i Arjeplog" in subject
        assert "Testbarn" not in subject + body and "20120415" not in body and "2381" not in body
        assert "skolskjutsen" not in body          # the minutes stay behind the sign-in
        assert f"http://portal.test{_minutes_url(meeting)}" in body
        assert "som delges deltagarna och alla i styrgruppen" in body

    page = sofia.get(_minutes_url(meeting))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and NOTES in html and "Anna Lärarsson" in html
    assert "Testbarn" not in html and "Ansvaret för skjutsen" not in html   # only the minutes
    # Need-to-know: nothing else of the case.
    assert sofia.get(f"/arenden/{ref}").status_code == 404
    assert sofia.get(meeting).status_code == 404
    other = _meeting_with_notes(anna, ref, "Anna Lärarsson")   # not shared: not readable
    assert sofia.get(_minutes_url(other)).status_code == 404
    # Someone who is no member cannot read them either.
    assert _client(app, "vera.vard@norrbotten.example").get(_minutes_url(meeting)).status_code == 404

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        actions = {e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "meeting"))}
    assert {"escalation.minutes_share", "escalation.minutes_view"} <= actions


def test_where_the_routine_does_not_say_so_nothing_is_sent(world):
    app, cases = world
    ref = cases["norrbus"]
    vera = _client(app, "vera.vard@norrbotten.example")
    give_consent(app, vera, ref, (VC, SKOLA), contact__unit=VC)
    meeting = _meeting_with_notes(vera, ref, "Vera Vårdsson")
    assert vera.post(f"/arenden/{ref}/oenighet", data={"question": "Vem betalar?"}).status_code == 303
    assert "får alla medlemmar ett meddelande" not in vera.get(meeting).get_data(as_text=True)
    _share(vera, meeting)
    assert _outbox(app, "meeting.notes") and _outbox(app, "escalation.minutes") == []


def test_a_minutes_rule_without_its_source_names_the_file_and_line(tmp_path):
    from portal.content_errors import ContentFileError
    from portal.directory.loader import load_directory
    from portal.escalation.paths import load_paths

    (tmp_path / "escalation.yaml").write_text(
        "processes:\n  arjeplog:\n    - key: styrgrupp\n      name: Styrgruppen\n      level: arjeplog-styrgrupp\n"
        "      services: [arjeplog-ifo]\n      source: {guideline: arjeplog-rutiner, heading: Styrgrupp, text: Beslut.}\n"
        "      minutes: {to: alla}\n", encoding="utf-8")
    with pytest.raises(ContentFileError) as err:
        load_paths(tmp_path, load_directory(ROOT / "content"))
    assert "escalation.yaml, rad 3" in str(err.value) and "minutes ska ha source" in str(err.value)
