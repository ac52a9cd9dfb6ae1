"""Oenighet om ansvaret (issue 30.10): a case where the parties disagree is referred to the styrgrupp
(Arjeplog) or up the Norrbus path (kommun -> länsdel -> länsstyrgrupp), as the routines say; the
level's managers are told without personal data; the decision is recorded; Kronobarn has no path."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.config import ROOT
from tests.helpers import SEEDS, login
from tests.support.meetings import outbox, signed_in


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_levels_quote_the_routines():
    arjeplog = _words((ROOT / "content/guidelines/arjeplog-rutiner.md").read_text(encoding="utf-8"))
    assert ("I de fall där individnivån inte kan komma överens om ansvarsfördelningen mellan samverkande aktörer "
            "hänskjuts ärendet till Styrgruppen för beslut.") in arjeplog
    norrbus = _words((SEEDS / "norrbus-riktlinjer.txt").read_text(encoding="utf-8"))
    assert ("ska i första hand lösas på kommunnivå i andra hand på länsdelsnivå. Frågor som inte kan lösas på "
            "länsdelsnivå aktualiseras i länsstyrgruppen") in norrbus


@pytest.fixture
def world(app, make_user, make_case):
    people = {"anna": make_user("anna.larare@arjeplog.example", units=("solbackens-skola",), name="Anna Lärarsson"),
              "vera": make_user("vera.vard@norrbotten.example", units=("arjeplogs-vardcentral",), name="Vera Vårdsson"),
              "klara": make_user("klara.larare@vaxjo.example", units=("ekbackens-skola",), name="Klara Lärkström")}
    cases = {"arjeplog": make_case(people["anna"], unit_key="solbackens-skola"),
             "norrbus": make_case(people["vera"], unit_key="arjeplogs-vardcentral"),
             "kronobarn": make_case(people["klara"], unit_key="ekbackens-skola")}
    return app, people, cases


_client, _outbox = signed_in, outbox


def test_an_arjeplog_case_goes_to_the_styrgrupp_whose_members_are_told_without_personal_data(world):
    app, people, cases = world
    anna = _client(app, "anna.larare@arjeplog.example")
    ref = cases["arjeplog"]
    page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert 'id="oenighet"' in page and "Styrgruppen i Arjeplog" in page
    # bad input: told next to the field, nothing saved
    for question, message in (("", "Beskriv vad ni är oense om"),
                              ("x" * 2001, "Beskrivningen får vara högst 2000 tecken"),
                              ("Gäller 20120415-2381", "Skriv inte personnummer här")):
        response = anna.post(f"/arenden/{ref}/oenighet", data={"question": question})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert 'class="error-summary"' in response.get_data(as_text=True)
    response = anna.post(f"/arenden/{ref}/oenighet",
                         data={"question": "Skolan och IFO är oense om vem som ordnar skolskjutsen."})
    assert response.status_code == 303
    mails = _outbox(app, "escalation.refer")
    assert sorted(to for to, _, _ in mails) == ["greta.grundstrom@arjeplog.example",
                                               "sofia.socialchefsson@arjeplog.example",
                                               "vera.verksamhetsdotter@norrbotten.example"]
    for _, subject, body in mails:
        assert ref in body and "Testbarn" not in body and "skolskjutsen" not in body   # no contents, no child
    page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Styrgruppen i Arjeplog: väntar på beslut" in page and "skolskjutsen" in page
    # one question at a time
    response = anna.post(f"/arenden/{ref}/oenighet", data={"question": "En fråga till."})
    assert response.status_code == 303
    assert len(_referrals(app)) == 1
    assert "Frågan kan inte hänskjutas nu" in anna.get(f"/arenden/{ref}").get_data(as_text=True)
    referral_id = _referrals(app)[0].id
    response = anna.post(f"/arenden/{ref}/oenighet/{referral_id}/beslut", data={f"r{referral_id}-decision": ""})
    assert response.status_code == 400 and "Skriv beslutet eller svaret" in response.get_data(as_text=True)
    response = anna.post(f"/arenden/{ref}/oenighet/{referral_id}/beslut",
                         data={f"r{referral_id}-decision": "IFO ordnar skjutsen.", f"r{referral_id}-resolved": "ja"})
    assert response.status_code == 303
    page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Styrgruppen i Arjeplog: löst" in page and "IFO ordnar skjutsen." in page
    assert "Alla nivåer i rutinen är prövade." in page
    with app.app_context():
        from portal.audit.models import AuditEvent
        from portal.extensions import db

        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "referral"))]
    assert actions == ["escalation.refer", "escalation.decide"]


def _referrals(app):
    from portal.escalation.models import Referral
    from portal.extensions import db

    with app.app_context():
        rows = list(db.session.scalars(select(Referral).order_by(Referral.id)))
        db.session.expunge_all()
        return rows


def test_a_norrbus_case_goes_up_from_kommun_to_lansdel_to_lansstyrgrupp(world):
    app, people, cases = world
    vera = _client(app, "vera.vard@norrbotten.example")
    ref = cases["norrbus"]
    for level, decision in (("Kommunnivå", "nej"), ("Länsdelsnivå", "nej"), ("Länsstyrgruppen", "ja")):
        page = vera.get(f"/arenden/{ref}").get_data(as_text=True)
        assert f"Hänskjut frågan till {level}" in page
        response = vera.post(f"/arenden/{ref}/oenighet", data={"question": "Vem bär kostnaden för placeringen?"},
                             follow_redirects=True)
        html = response.get_data(as_text=True)
        assert f"Frågan är hänskjuten till {level}." in html
        if level != "Kommunnivå":   # the portal has no contacts there, and says so
            assert "Portalen har inga kontaktuppgifter till nivån" in html
        referral_id = _referrals(app)[-1].id
        vera.post(f"/arenden/{ref}/oenighet/{referral_id}/beslut",
                  data={f"r{referral_id}-decision": "Beslut.", f"r{referral_id}-resolved": decision})
    assert [r.level_key for r in _referrals(app)] == ["kommun", "lansdel", "lansstyrgrupp"]
    assert "Alla nivåer i rutinen är prövade." in vera.get(f"/arenden/{ref}").get_data(as_text=True)


def test_kronobarn_has_no_path_and_others_cannot_refer_a_case_they_cannot_see(world):
    app, people, cases = world
    klara = _client(app, "klara.larare@vaxjo.example")
    assert 'id="oenighet"' not in klara.get(f"/arenden/{cases['kronobarn']}").get_data(as_text=True)
    assert klara.post(f"/arenden/{cases['kronobarn']}/oenighet", data={"question": "X"}).status_code == 404
    assert klara.post(f"/arenden/{cases['arjeplog']}/oenighet", data={"question": "X"}).status_code == 404
    assert _referrals(app) == []
