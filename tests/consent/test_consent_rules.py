"""Pure consent rules: who signs, when a consent is valid, its end date, LIX, the hash chain."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from portal.consent import rules
from portal.consent.chain import GENESIS, entry_fields, entry_hash, first_break
from portal.consent.readability import lix
from portal.consent.rules import ConsentFacts, SignerFacts

D = dt.date(2026, 3, 3)
T = dt.datetime(2026, 3, 3, 9, 0)


@pytest.mark.parametrize("age, expected", [(5, "optional"), (11, "optional"), (12, "suggested"), (14, "suggested"),
                                           (15, "required"), (17, "required"), (18, "alone"), (20, "alone")])
def test_who_signs_depends_on_the_young_persons_age(age, expected):
    assert rules.child_signer_rule(age) == expected


def test_the_age_thresholds_are_configuration():
    assert rules.child_signer_rule(13, suggested_age=10, required_age=13) == "required"
    assert rules.child_signer_rule(11, suggested_age=10, required_age=13) == "suggested"
    assert rules.child_signer_rule(18, suggested_age=10, required_age=13) == "alone"


def test_end_date_is_inclusive_and_handles_short_months():
    assert rules.end_date(D, 12) == dt.date(2027, 3, 2)
    assert rules.end_date(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 27)
    assert rules.end_date(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 27)
    assert rules.add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)


def facts(*signers, withdrawn=None, until=dt.date(2027, 3, 2)):
    return ConsentFacts(sent=True, valid_from=D, valid_until=until, withdrawn_at=withdrawn, signers=tuple(signers))


def test_valid_only_when_every_required_signer_has_signed():
    one = SignerFacts(signed_at=T)
    other = SignerFacts()
    assert rules.consent_status(facts(one, other), D) == "pending"
    assert rules.consent_status(facts(one, SignerFacts(signed_at=T + dt.timedelta(days=2))), D) == "valid"
    # someone not required does not hold it back
    assert rules.consent_status(facts(one, SignerFacts(required=False)), D) == "valid"
    assert rules.consent_status(ConsentFacts(False, None, None), D) == "draft"


def test_a_no_a_withdrawal_or_the_end_date_make_it_invalid():
    signed = SignerFacts(signed_at=T)
    assert rules.consent_status(facts(signed, SignerFacts(declined_at=T)), D) == "declined"
    assert rules.consent_status(facts(signed, SignerFacts(signed_at=T, withdrawn_at=T)), D) == "withdrawn"
    assert rules.consent_status(facts(signed, withdrawn=T), D) == "withdrawn"
    assert rules.consent_status(facts(signed), dt.date(2027, 3, 2)) == "valid"
    assert rules.consent_status(facts(signed), dt.date(2027, 3, 3)) == "expired"


def test_valid_on_a_given_day():
    f = facts(SignerFacts(signed_at=T), SignerFacts(signed_at=T + dt.timedelta(days=5)),
              withdrawn=dt.datetime(2026, 6, 1, 12, 0))
    assert not rules.is_valid_on(f, dt.date(2026, 3, 5))   # before the last signature
    assert rules.is_valid_on(f, dt.date(2026, 3, 8))
    assert rules.is_valid_on(f, dt.date(2026, 5, 31))
    assert not rules.is_valid_on(f, dt.date(2026, 6, 1))   # withdrawn that day
    g = facts(SignerFacts(signed_at=T))
    assert rules.is_valid_on(g, dt.date(2027, 3, 2)) and not rules.is_valid_on(g, dt.date(2027, 3, 3))


def test_the_case_is_told_ahead_of_the_end():
    assert rules.expiry_notice(dt.date(2026, 4, 2), D) == "Samtycket upphör om 30 dagar"
    assert rules.expiry_notice(dt.date(2026, 4, 3), D) is None
    assert rules.expiry_notice(D, D) == "Samtycket upphör efter i dag"
    assert rules.expiry_notice(D + dt.timedelta(days=1), D) == "Samtycket upphör efter i morgon"
    assert rules.expiry_notice(D - dt.timedelta(days=1), D) is None


def test_lix_counts_words_sentences_and_long_words():
    # 8 words, 2 sentences, 2 long words ("samtycke", "återkalla"): 4 + 25 = 29
    assert lix("Du kan ge samtycke. Du kan återkalla det.") == pytest.approx(29.0)
    # a line break ends a sentence (headings, list items); e-mail addresses and numbers are not words
    # 3 words ("Frågor", "Ring", "Mejla"), 3 sentences, no long words
    assert lix("Frågor\nRing 070-123 45 67. Mejla anna.larare@arjeplog.example.") == pytest.approx(1.0)
    assert lix("") == 0.0
    hard = ("Informationsöverföringen mellan myndigheterna förutsätter vårdnadshavarnas uttryckliga "
            "medgivande avseende sekretessbelagda personuppgifter.")
    assert lix(hard) > 60


def _chain(n=3):
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = entry_fields(7, seq, dt.datetime(2026, 3, 3, 9, seq), "signed" if seq == 2 else "sent", seq, "x", {"k": seq})
        h = entry_hash(fields, prev)
        entries.append(SimpleNamespace(seq=seq, at=dt.datetime(2026, 3, 3, 9, seq), event=fields["event"], signer_id=seq,
                                       actor="x", data={"k": seq}, prev_hash=prev, entry_hash=h))
        prev = h
    return entries


def test_the_chain_reports_the_first_changed_removed_or_inserted_entry():
    assert first_break(7, _chain()) is None
    changed = _chain()
    changed[1].data = {"k": 99}
    broken = first_break(7, changed)
    assert broken.number == 2 and "posten har ändrats" in broken.problem and str(broken).startswith("Post 2 (signed)")
    removed = _chain()
    del removed[1]
    assert first_break(7, removed).number == 2
    moved = _chain()
    assert first_break(8, moved).number == 1  # entries copied to another consent
    rehashed = _chain()
    rehashed[0].actor = "y"
    rehashed[0].entry_hash = entry_hash(entry_fields(7, 1, rehashed[0].at, "sent", 1, "y", {"k": 1}), GENESIS)
    broken = first_break(7, rehashed)
    assert broken.number == 2 and "föregående post" in broken.problem


def test_the_stored_text_is_rendered_with_everything_escaped():
    from portal.consent.text import render_html

    html = str(render_html("## Varför <script>\nVi vill <b>hjälpa</b> & stötta.\n- Skolan\n- BUP", heading_level=3))
    assert html == ("<h3>Varför &lt;script&gt;</h3>\n<p>Vi vill &lt;b&gt;hjälpa&lt;/b&gt; &amp; stötta.</p>\n"
                    "<ul><li>Skolan</li><li>BUP</li></ul>")
