"""The outbox: queued with the caller's change, delivered over real SMTP, never lost, never twice."""
from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notify import PersonalDataInEmail, queue_email, render_email
from portal.notify.models import OutboxMessage
from portal.notify.worker import backoff, clear_old_content, deliver_due, run_loop
from portal.timeutil import utcnow
from tests.support.notify import outbox_rows, queue_notes, with_test_templates

REPLY_TO = "Elevhälsan <elevhalsan@kommun.example>"


@pytest.fixture
def smtp_app(app_factory, smtp_sink):
    return with_test_templates(app_factory(**smtp_sink.config(PORTAL_MAIL_REPLY_TO=REPLY_TO)))


def count_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


# --- Delivery -------------------------------------------------------------------------------

def test_a_queued_message_arrives_with_plain_and_html_parts_sender_and_reply_to(smtp_app, smtp_sink):
    smtp_sink.start()
    [message_id] = queue_notes(smtp_app, to="vardnadshavare@example.org", heading="Samtycke att skriva under")

    with smtp_app.app_context():
        result = deliver_due()
    assert (result.sent, result.deferred, result.failed) == (1, 0, 0)

    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert smtp_sink.envelopes[0] == ("no-reply@samverkansportalen.invalid", ["vardnadshavare@example.org"])
    assert mail["Subject"] == "Samtycke att skriva under"
    assert mail["From"] == "Samverkansportalen <no-reply@samverkansportalen.invalid>"
    assert mail["To"] == "vardnadshavare@example.org"
    assert mail["Reply-To"] == REPLY_TO
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Ett nytt samtycke väntar på din underskrift." in text
    assert "Frågor? Kontakta din kontaktperson." in text
    assert "Samverkansportalen" in text and "http://portal.test" in text
    assert '<html lang="sv">' in html and '<a href="http://portal.test/samtycke/abc">' in html
    # With a reply-to address people may answer: no "do not reply" line.
    assert "Svara inte" not in text and "Svara inte" not in html

    [row] = outbox_rows(smtp_app)
    assert row.id == message_id and row.status == "sent" and row.attempts == 1 and row.transport == "smtp"
    assert mail["Message-ID"] == row.message_id

    with smtp_app.app_context():
        assert deliver_due().sent == 0
    assert len(smtp_sink.messages) == 1


def test_without_reply_to_the_message_says_do_not_reply(app_factory, smtp_sink):
    app = with_test_templates(app_factory(**smtp_sink.config(PORTAL_MAIL_REPLY_TO="")))
    smtp_sink.start()
    queue_notes(app)
    with app.app_context():
        deliver_due()
    mail = smtp_sink.messages[0]
    assert mail["Reply-To"] is None
    assert "Svara inte på detta meddelande" in mail.get_body(("plain",)).get_content()
    assert "Svara inte på detta meddelande" in mail.get_body(("html",)).get_content()


def test_nothing_is_stored_or_sent_when_the_callers_transaction_rolls_back(smtp_app, smtp_sink, make_user):
    from portal.accounts.models import User

    smtp_sink.start()
    make_user("anna@kommun.example")
    with smtp_app.app_context():
        queue_email(to="x@example.org", template="testmail/note", context={"note": "a", "link": "l"}, kind="test")
        db.session.rollback()
        # The caller's change fails at commit (the e-mail address is taken): the message goes with it.
        db.session.add(User(email="anna@kommun.example", name="Anna", password_hash="x", role="staff"))
        queue_email(to="anna@kommun.example", template="testmail/note", context={"note": "a", "link": "l"},
                    kind="accounts.welcome")
        with pytest.raises(Exception):
            db.session.commit()
        db.session.rollback()
        assert deliver_due().sent == 0
    assert count_rows(smtp_app) == 0
    assert smtp_sink.messages == []


def test_a_dedupe_key_queues_one_message_even_when_asked_twice(smtp_app, smtp_sink):
    smtp_sink.start()
    with smtp_app.app_context():
        context = {"note": "Påminnelse", "link": "http://portal.test/x"}
        first = queue_email(to="a@example.org", template="testmail/note", context=context, kind="consent.reminder",
                            dedupe_key="consent-reminder:7:1")
        again = queue_email(to="a@example.org", template="testmail/note", context=context, kind="consent.reminder",
                            dedupe_key="consent-reminder:7:1")
        assert again is first
        db.session.commit()
        later = queue_email(to="a@example.org", template="testmail/note", context=context, kind="consent.reminder",
                            dedupe_key="consent-reminder:7:1")
        assert later.id == first.id
        db.session.commit()
        deliver_due()
    assert count_rows(smtp_app) == 1
    assert len(smtp_sink.messages) == 1


def test_an_email_rendered_once_reaches_each_address_as_its_own_message(smtp_app, smtp_sink):
    """render_email renders before the caller's first write; queue_email(rendered=...) stores a
    message per address that is delivered like one rendered from its template."""
    smtp_sink.start()
    with smtp_app.app_context():
        rendered = render_email("testmail/note", {"heading": "Ny avvikelse", "note": "Läs rapporten",
                                                  "link": "http://portal.test/avvikelser/A1"})
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # rendering stores nothing
        for address in ("chef@example.org", "kopia@example.org"):
            queue_email(address, kind="deviation.routed", rendered=rendered)
        db.session.commit()
        assert deliver_due().sent == 2
    assert sorted(env[1][0] for env in smtp_sink.envelopes) == ["chef@example.org", "kopia@example.org"]
    for mail in smtp_sink.messages:
        assert mail["Subject"] == "Ny avvikelse"
        assert "Läs rapporten" in mail.get_body(("plain",)).get_content()
        assert '<a href="http://portal.test/avvikelser/A1">' in mail.get_body(("html",)).get_content()
    assert len({m["Message-ID"] for m in smtp_sink.messages}) == 2


def test_a_rendered_email_is_still_checked_for_personal_numbers_and_needs_one_source(smtp_app):
    with smtp_app.app_context():
        rendered = render_email("testmail/note", {"note": "Gäller 20120415-2381", "link": "y"})
        with pytest.raises(PersonalDataInEmail):
            queue_email("a@example.org", kind="t", rendered=rendered)
        with pytest.raises(ValueError):
            queue_email("a@example.org", "testmail/note", {"note": "x", "link": "y"}, kind="t",
                        rendered=render_email("testmail/note", {"note": "x", "link": "y"}))
        with pytest.raises(ValueError):
            queue_email("a@example.org", kind="t")
        db.session.commit()
    assert count_rows(smtp_app) == 0


def test_queue_email_does_not_commit_by_itself(smtp_app):
    with smtp_app.app_context():
        queue_email(to="a@example.org", template="testmail/note", context={"note": "x", "link": "y"}, kind="test")
        db.session.remove()  # the request ends without a commit
    assert count_rows(smtp_app) == 0


@pytest.mark.parametrize("address", ["", "inte-en-adress", "a@example.org, b@example.org", "a@example.org\nBcc: c@x.se"])
def test_queue_email_takes_exactly_one_valid_address(smtp_app, address):
    with smtp_app.app_context(), pytest.raises(ValueError):
        queue_email(to=address, template="testmail/note", context={"note": "x", "link": "y"}, kind="test")


# --- Never lost: retries -------------------------------------------------------------------

def test_a_message_waits_while_the_server_is_down_and_is_delivered_once_when_it_is_back(smtp_app, smtp_sink):
    first, second = queue_notes(smtp_app, count=2)
    start = utcnow()
    with smtp_app.app_context():
        result = deliver_due(now=start)
    assert (result.sent, result.deferred) == (0, 1)
    rows = {r.id: r for r in outbox_rows(smtp_app)}
    assert rows[first].status == "waiting" and rows[first].attempts == 1
    assert rows[first].next_attempt_at > start
    assert rows[first].last_error == "ConnectionRefusedError"
    # The server was away: the rest of the round was left alone, not counted as a failed attempt.
    assert rows[second].status == "waiting" and rows[second].attempts == 0

    smtp_sink.start()
    with smtp_app.app_context():
        # Not due yet at the same moment...
        assert deliver_due(now=start).sent == 1
        # ...but after the backoff.
        assert deliver_due(now=start + dt.timedelta(minutes=2)).sent == 1
        assert deliver_due(now=start + dt.timedelta(hours=12)).sent == 0

    assert len(smtp_sink.messages) == 2
    assert {r.status for r in outbox_rows(smtp_app)} == {"sent"}
    assert sorted(m["Message-ID"] for m in smtp_sink.messages) == sorted(r.message_id for r in outbox_rows(smtp_app))


def test_backoff_doubles_from_one_minute_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(30) == dt.timedelta(hours=8)


def test_after_the_last_attempt_the_message_is_failed(app_factory, smtp_sink):
    app = with_test_templates(app_factory(**smtp_sink.config(PORTAL_OUTBOX_MAX_ATTEMPTS=3)))
    [message_id] = queue_notes(app)
    now = utcnow().replace(microsecond=0)  # MySQL DATETIME keeps whole seconds
    seen = []
    with app.app_context():
        for _ in range(4):
            deliver_due(now=now)
            row = db.session.get(OutboxMessage, message_id)
            seen.append((row.status, row.attempts))
            if row.status == "waiting":
                assert row.next_attempt_at - now == backoff(row.attempts)
            now += dt.timedelta(days=1)
    assert seen == [("waiting", 1), ("waiting", 2), ("failed", 3), ("failed", 3)]


def test_a_permanent_rejection_fails_at_once_and_records_only_class_and_code(smtp_app, smtp_sink, caplog):
    smtp_sink.reject["finns.inte@example.org"] = "550 5.1.1 <finns.inte@example.org>: Recipient address rejected"
    smtp_sink.start()
    queue_notes(smtp_app, to="finns.inte@example.org")
    [ok] = queue_notes(smtp_app, to="finns@example.org")
    with caplog.at_level(logging.INFO, logger="portal.notify"), smtp_app.app_context():
        result = deliver_due()
    assert (result.sent, result.failed) == (1, 1)
    rows = outbox_rows(smtp_app)
    failed = [r for r in rows if r.status == "failed"][0]
    assert failed.attempts == 1
    assert failed.last_error == "SMTPRecipientsRefused 550"
    assert [r.id for r in rows if r.status == "sent"] == [ok]
    # Neither the database's error column nor the log carries an address or content.
    assert "finns" not in caplog.text and "samtycke" not in caplog.text.lower()
    assert f"outbox {failed.id} kind=test.note failed" in caplog.text


def test_a_login_problem_is_not_blamed_on_the_message(app_factory, smtp_sink):
    # The server offers no AUTH but the portal is set up to log in: a settings problem.
    app = with_test_templates(app_factory(**smtp_sink.config(PORTAL_SMTP_USER="portalen", PORTAL_SMTP_PASSWORD="x")))
    smtp_sink.start()
    first, second = queue_notes(app, count=2)
    with app.app_context():
        result = deliver_due()
    assert (result.sent, result.deferred, result.failed) == (0, 1, 0)
    rows = {r.id: r for r in outbox_rows(app)}
    assert (rows[first].status, rows[first].last_error) == ("waiting", "SMTPNotSupportedError")
    assert (rows[second].status, rows[second].attempts) == ("waiting", 0)
    assert smtp_sink.messages == []


def test_a_temporary_rejection_is_retried(smtp_app, smtp_sink):
    smtp_sink.reject["full@example.org"] = "452 4.2.2 Mailbox full"
    smtp_sink.start()
    queue_notes(smtp_app, to="full@example.org")
    with smtp_app.app_context():
        assert deliver_due().deferred == 1
    [row] = outbox_rows(smtp_app)
    assert (row.status, row.last_error) == ("waiting", "SMTPRecipientsRefused 452")


# --- Never twice -----------------------------------------------------------------------------

def test_two_workers_at_once_deliver_every_message_exactly_once(smtp_app, smtp_sink):
    smtp_sink.start()
    queue_notes(smtp_app, count=30)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker(name):
        try:
            with smtp_app.app_context():
                barrier.wait()
                while True:
                    r = deliver_due(worker_id=name)
                    results.append((name, r))
                    if r.sent + r.deferred + r.failed + r.skipped == 0:
                        break
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and not any(t.is_alive() for t in threads)

    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert sum(r.sent for _, r in results) == 30
    assert {r.status for r in outbox_rows(smtp_app)} == {"sent"}


def test_a_stale_claim_of_a_dead_worker_is_taken_over_but_a_fresh_claim_is_not(smtp_app, smtp_sink):
    smtp_sink.start()
    stale, fresh = queue_notes(smtp_app, count=2)
    now = utcnow()
    with smtp_app.app_context():
        for message_id, claimed_at in ((stale, now - dt.timedelta(minutes=30)), (fresh, now - dt.timedelta(minutes=1))):
            row = db.session.get(OutboxMessage, message_id)
            row.status, row.claimed_by, row.claimed_at, row.attempts = "sending", "dead-worker", claimed_at, 1
        db.session.commit()
        assert deliver_due(now=now).sent == 1
    rows = {r.id: r for r in outbox_rows(smtp_app)}
    assert rows[stale].status == "sent" and rows[stale].attempts == 2
    assert rows[fresh].status == "sending" and rows[fresh].claimed_by == "dead-worker"
    assert len(smtp_sink.messages) == 1


# --- The loop and retention ---------------------------------------------------------------------

def test_the_worker_loop_delivers_new_messages_and_stops_when_asked(smtp_app, smtp_sink):
    smtp_sink.start()
    stop = threading.Event()

    def loop():
        with smtp_app.app_context():
            run_loop(stop, interval=0.05)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        queue_notes(smtp_app, count=2)
        assert smtp_sink.wait_for(2)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert len(smtp_sink.messages) == 2


def test_old_sent_messages_lose_address_and_content_but_keep_their_dedupe_key(smtp_app, smtp_sink):
    smtp_sink.start()
    with smtp_app.app_context():
        queue_email(to="a@example.org", template="testmail/note", context={"note": "x", "link": "y"}, kind="k",
                    dedupe_key="once")
        db.session.commit()
        deliver_due()
        assert clear_old_content(30) == 0
        assert clear_old_content(30, now=utcnow() + dt.timedelta(days=31)) == 1
        again = queue_email(to="a@example.org", template="testmail/note", context={"note": "x", "link": "y"},
                            kind="k", dedupe_key="once")
        assert again.status == "sent"
        db.session.commit()
    [row] = outbox_rows(smtp_app)
    assert (row.to_addr, row.body_text, row.body_html, row.attachments) == ("", "", "", [])
    assert len(smtp_sink.messages) == 1


# --- No personal data -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Gäller barn 20120415-2381.",
    "Gäller 120415-2381",
    "Personnummer 201204152381",
    "Samordningsnummer 20120475-2388",
])
def test_queue_email_refuses_a_message_with_a_personal_number(smtp_app, text):
    with smtp_app.app_context():
        with pytest.raises(PersonalDataInEmail) as error:
            queue_email(to="a@example.org", template="testmail/note", context={"note": text, "link": "y"}, kind="t")
        assert "2381" not in str(error.value) and "2388" not in str(error.value)
        db.session.commit()
    assert count_rows(smtp_app) == 0


def test_the_guard_also_covers_the_subject_and_text_attachments(smtp_app):
    with smtp_app.app_context():
        with pytest.raises(PersonalDataInEmail, match="subject"):
            queue_email(to="a@example.org", template="testmail/note",
                        context={"heading": "Ärende 20120415-2381", "note": "x", "link": "y"}, kind="t")
        with pytest.raises(PersonalDataInEmail, match="attachment"):
            queue_email(to="a@example.org", template="testmail/note", context={"note": "x", "link": "y"}, kind="t",
                        attachments=[("mote.ics", "text/calendar", b"DESCRIPTION:Barn 201204152381\r\n")])


def test_ordinary_numbers_are_not_mistaken_for_personal_numbers(smtp_app):
    from portal.notify.guard import contains_personal_number

    for text in ["Ring 0470-12 34 56", "Ärendenummer 2024-1234", "Möte kl. 09.00 den 2026-03-02",
                 "Mötes-id 4512345678", "Telefon 0701234567", "Länk http://portal.test/s/Ab3kT9x2Pq"]:
        assert not contains_personal_number(text), text


def test_a_new_key_skips_the_lookup_but_the_outbox_still_refuses_a_duplicate(smtp_app):
    """new_key=True: the key names something this transaction has just made, so queue_email does
    not look for an earlier message; a caller that breaks that promise gets no second e-mail."""
    from sqlalchemy.exc import IntegrityError

    with smtp_app.app_context():
        context = {"note": "x", "link": "y"}
        queue_email("a@example.org", "testmail/note", context, kind="t", dedupe_key="event:1:a")
        db.session.commit()
        with pytest.raises(ValueError):
            queue_email("a@example.org", "testmail/note", context, kind="t", new_key=True)
        queue_email("a@example.org", "testmail/note", context, kind="t", dedupe_key="event:1:a", new_key=True)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert count_rows(smtp_app) == 1
