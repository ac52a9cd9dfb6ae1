"""Retention (gallring): content/retention.yaml, `portal retention run [--dry-run]`, and the
audit log that only the retention run may delete from. Fixed dates throughout."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update

from portal.audit.models import AuditEvent, AuditLogIsAppendOnly
from portal.cases.models import Case, Guardian
from portal.extensions import db
from portal.guidance.models import ChecklistTick
from portal.notify.models import OutboxMessage
from portal.retention.policy import RetentionPolicyError, load_policy
from portal.retention.run import run_retention
from tests.helpers import ROOT

NOW = dt.datetime(2030, 6, 1, 12, 0)          # the day the run happens (naive UTC)
LONG_AGO = dt.datetime(2026, 3, 2, 9, 0)       # past every retention time
RECENTLY = dt.datetime(2029, 11, 20, 9, 0)     # within every retention time
OLD_CHILD = "Gallringsbarn Äldstesson"
OLD_PNR = "20120415-2381"
KEPT_CHILD = "Kvarbarn Nyasson"


def _close(app, ref, at):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        case.status, case.closed_at = "closed", at
        db.session.commit()
        return case.id


def _audit(app, at, case_id=None, action="case.view"):
    with app.app_context():
        event = AuditEvent(at=at, actor="", unit_key="solbackens-skola", case_id=case_id, action=action,
                           object_type="case", object_id=str(case_id or ""))
        db.session.add(event)
        db.session.commit()
        return event.id


@pytest.fixture
def world(app, make_user, make_case):
    """An old closed case (past retention), a recently closed one, an old open one, audit events
    old and new, and outbox messages sent long ago, failed long ago and still waiting."""
    uid = make_user("anna@skola.example")
    old_ref = make_case(uid, child_name=OLD_CHILD, personal_number=OLD_PNR)
    recent_ref = make_case(uid, child_name=KEPT_CHILD, personal_number="20150314-1236")
    open_ref = make_case(uid, child_name="Öppet Barn", personal_number="20100101-2389")
    old_id = _close(app, old_ref, LONG_AGO)
    recent_id = _close(app, recent_ref, RECENTLY)
    with app.app_context():
        open_id = db.session.scalar(select(Case.id).where(Case.ref == open_ref))
        db.session.add(ChecklistTick(case_id=old_id, item_key="samtycke", user_id=uid, at=LONG_AGO))
        db.session.add(ChecklistTick(case_id=recent_id, item_key="samtycke", user_id=uid, at=RECENTLY))
        old_case = db.session.get(Case, open_id)
        old_case.opened_at = LONG_AGO
        for i, (status, sent_at, created) in enumerate([
                ("sent", LONG_AGO, LONG_AGO), ("failed", None, LONG_AGO), ("waiting", None, LONG_AGO),
                ("sent", RECENTLY + dt.timedelta(days=190), RECENTLY + dt.timedelta(days=190))]):
            db.session.add(OutboxMessage(kind="test", to_addr=f"mottagare{i}@familj.example", subject="Ämne",
                                         body_text="Text", body_html="<p>Text</p>", attachments=[],
                                         message_id=f"<m{i}@test>", status=status, sent_at=sent_at, created_at=created,
                                         case_id=old_id))
        db.session.commit()
    ids = {
        "old": old_id, "recent": recent_id, "open": open_id,
        "old_view": _audit(app, dt.datetime(2028, 1, 10), old_id),       # newer than 5 years: kept, detached
        "ancient": _audit(app, dt.datetime(2024, 1, 10), recent_id),     # older than 5 years: deleted
        "new": _audit(app, RECENTLY, recent_id),
    }
    return ids


def _counts(result):
    return {t.record_type: t.count for t in result.types}


def test_the_shipped_policy_names_every_record_type(app):
    policy = load_policy(ROOT / "content")
    assert {r.record_type for r in policy} == {"closed_cases", "consents", "deviation_reports", "outbox", "audit_log"}
    audit_rule = policy.rules["audit_log"]
    assert audit_rule.cutoff(NOW) == dt.datetime(2025, 6, 1, 12, 0)
    assert policy.rules["outbox"].cutoff(NOW) == NOW - dt.timedelta(days=30)
    assert policy.rules["closed_cases"].cutoff(dt.datetime(2032, 2, 29)) == dt.datetime(2029, 2, 28)


@pytest.mark.parametrize("content, where, problem", [
    ("closed_cases: [1, 2]\n", 1, "ska ha keep_years"),
    ("closed_cases:\n  keep_years: tre\n  action: delete\n", 2, "heltal"),
    ("closed_cases:\n  keep_years: 3\n  action: shred\n", 3, "action under 'closed_cases' ska vara delete"),
    ("closed_cases:\n  keep_years: 3\n  keep_days: 3\n  action: delete\n", 2, "antingen keep_years eller keep_days"),
    ("arenden:\n  keep_years: 3\n", 1, "okänt slag av uppgift 'arenden'"),
    ("closed_cases:\n  keep_years: 3\n  action: delete\n  extra: 1\n", 4, "okänd inställning 'extra'"),
    ("closed_cases: {keep_years: 3, action: delete\n", 2, "inte giltig YAML"),
    ("closed_cases:\n  keep_years: 3\n  action: delete\n", None, "gallringstid saknas för: consents"),
])
def test_a_broken_policy_names_file_line_and_problem(tmp_path, content, where, problem):
    (tmp_path / "retention.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(RetentionPolicyError) as caught:
        load_policy(tmp_path)
    assert caught.value.line == where
    assert problem in caught.value.problem
    assert str(tmp_path / "retention.yaml") in str(caught.value)


def test_a_run_deletes_what_is_past_retention_and_keeps_the_rest(app, world, caplog):
    caplog.set_level(logging.INFO, logger="portal.retention")
    with app.app_context():
        result = run_retention(now=NOW)
        assert result.ok
        counts = _counts(result)
        assert counts["closed_cases"] == 1 and counts["audit_log"] == 1 and counts["outbox"] == 2
        # The old closed case is gone with its guardians and checklist.
        assert db.session.get(Case, world["old"]) is None
        assert db.session.scalar(select(func.count()).select_from(Guardian).where(Guardian.case_id == world["old"])) == 0
        assert db.session.scalar(select(func.count()).select_from(ChecklistTick)
                                 .where(ChecklistTick.case_id == world["old"])) == 0
        closed = next(t for t in result.types if t.record_type == "closed_cases")
        assert closed.extra["guardians"] == 2 and closed.extra["checklist_ticks"] == 1
        # The recently closed case and the old open case stay, whole.
        assert db.session.get(Case, world["recent"]).child_name == KEPT_CHILD
        assert len(db.session.get(Case, world["recent"]).guardians) == 2
        assert db.session.get(Case, world["open"]) is not None
        # The audit log keeps who read the deleted case (detached from it), drops what is past its time.
        kept = db.session.get(AuditEvent, world["old_view"])
        assert kept is not None and kept.case_id is None and kept.object_id == str(world["old"])
        assert db.session.get(AuditEvent, world["ancient"]) is None
        assert db.session.get(AuditEvent, world["new"]) is not None
        # Outbox: old sent and failed messages are blanked, the waiting one is left to be sent.
        rows = {m.message_id: m for m in db.session.scalars(select(OutboxMessage))}
        assert rows["<m0@test>"].to_addr == "" and rows["<m0@test>"].body_text == ""
        assert rows["<m1@test>"].to_addr == "" and rows["<m1@test>"].attachments == []
        assert rows["<m2@test>"].to_addr == "mottagare2@familj.example"
        assert rows["<m3@test>"].to_addr == "mottagare3@familj.example"
        assert rows["<m0@test>"].case_id is None  # the reference to the deleted case is cut, the row stays
        # The run is itself in the audit log, with counts and nothing about anyone.
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.run"))
        assert event.actor == "system" and event.user_id is None and event.case_id is None
        assert "closed_cases:delete=1" in event.detail and "audit_log:delete=1" in event.detail
    for needle in (OLD_CHILD, OLD_PNR, "familj.example", "Vårdnadshavare"):
        assert needle not in caplog.text and needle not in event.detail
    assert "retention closed_cases delete: 1" in caplog.text


def test_a_dry_run_counts_the_same_and_changes_nothing(app, world, runner):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
        dry = run_retention(now=NOW, dry_run=True)
        assert db.session.get(Case, world["old"]) is not None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_addr == "")) == 0
        real = run_retention(now=NOW)
        assert _counts(dry) == _counts(real)
        again = run_retention(now=NOW)
        assert _counts(again) == {k: 0 for k in _counts(real)}  # nothing twice


def test_the_command_reports_counts_per_type(app, make_user, make_case, runner):
    uid = make_user("anna@skola.example")
    ref = make_case(uid, child_name=OLD_CHILD)
    case_id = _close(app, ref, dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=4 * 366))
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "provkörning" in dry.output and "Avslutade ärenden (sparas 3 år" in dry.output
    assert "1 skulle raderas" in dry.output and OLD_CHILD not in dry.output
    with app.app_context():
        assert db.session.get(Case, case_id) is not None
    done = runner.invoke(args=["retention", "run"])
    assert done.exit_code == 0, done.output
    assert "Avslutade ärenden (sparas 3 år" in done.output and ": 1 raderade" in done.output
    with app.app_context():
        assert db.session.get(Case, case_id) is None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "retention.run")) == 1


def test_the_command_refuses_a_broken_policy(app_factory, tmp_path):
    content = tmp_path / "content"
    import shutil

    shutil.copytree(ROOT / "content", content)
    (content / "retention.yaml").write_text("closed_cases:\n  keep_years: 0\n  action: delete\n", encoding="utf-8")
    runner = app_factory(PORTAL_CONTENT_DIR=content).test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 1
    assert "retention.yaml, rad 2" in result.output and "större än noll" in result.output


def _everything_stored(app) -> bytes:
    """SQLite: the database file and its WAL, byte for byte (deleted rows must be overwritten, not
    just unlinked). MariaDB: every row of every table, as a dump would hold them (InnoDB purges
    deleted records from its pages in the background, so the files themselves prove nothing)."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.remove()
            db.engine.dispose()
            path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
            wal = path.with_name(path.name + "-wal")
            return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        dump = []
        for table in db.inspect(db.engine).get_table_names():
            dump += [repr(tuple(row)) for row in db.session.execute(text(f"SELECT * FROM `{table}`"))]
        db.session.remove()
        return "\n".join(dump).encode()


def test_nothing_of_a_deleted_case_is_left_in_the_database(app, world):
    assert OLD_CHILD.encode() in _everything_stored(app)  # the test can see it before the run
    with app.app_context():
        run_retention(now=NOW)
        db.session.remove()
    data = _everything_stored(app)
    assert OLD_CHILD.encode() not in data and OLD_PNR.encode() not in data
    assert KEPT_CHILD.encode() in data


def test_the_audit_log_cannot_be_changed_or_deleted_outside_retention(app, make_user):
    event_id = _audit(app, dt.datetime(2024, 1, 10))
    attempts = [
        lambda: db.session.delete(db.session.get(AuditEvent, event_id)) or db.session.flush(),
        lambda: setattr(db.session.get(AuditEvent, event_id), "detail", "ändrad") or db.session.flush(),
        lambda: db.session.execute(delete(AuditEvent).where(AuditEvent.id == event_id)),
        lambda: db.session.execute(update(AuditEvent).values(detail="ändrad")),
        lambda: db.session.execute(text("DELETE FROM audit_events")),
        lambda: db.session.execute(text("update  audit_events SET action = 'x'")),
        lambda: db.session.execute(AuditEvent.__table__.delete()),
    ]
    with app.app_context():
        for attempt in attempts:
            with pytest.raises(AuditLogIsAppendOnly):
                attempt()
            db.session.rollback()
        assert db.session.get(AuditEvent, event_id).detail == ""
        # Appending is what the log is for.
        db.session.add(AuditEvent(actor="system", action="case.view"))
        db.session.commit()
        # Only the retention run deletes, and only what is past the audit log's own time.
        result = run_retention(now=NOW)
        assert _counts(result)["audit_log"] == 1
        assert db.session.get(AuditEvent, event_id) is None


# --- With every feature's records on the case --------------------------------------------------


def _feature_rows(app, case_id):
    """Rows per table that hang on the case (directly or through a consent, plan or meeting)."""
    counts = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if "case_id" in table.c:
                counts[table.name] = db.session.scalar(select(func.count()).select_from(table)
                                                       .where(table.c.case_id == case_id))
    return counts


def test_deleting_a_closed_case_takes_consents_plans_meetings_with_it(world_app):
    from portal.deviations.models import DeviationReport

    app, world = world_app()
    with app.app_context():  # a report linked to the case: it stays, unlinked
        db.session.scalar(select(DeviationReport).where(DeviationReport.ref == world.values["report_ref"])
                          ).case_id = world.case_id
        db.session.commit()
    before = _feature_rows(app, world.case_id)
    with app.app_context():
        logged = set(db.session.scalars(select(AuditEvent.id).where(AuditEvent.case_id == world.case_id)))
    assert logged
    assert before["consents"] == 2 and before["plans"] == 1 and before["meetings"] == 1
    _close(app, world.case_ref, LONG_AGO)
    with app.app_context():
        result = run_retention(now=NOW)
        assert result.ok, result.summary()
        closed = next(t for t in result.types if t.record_type == "closed_cases")
        assert closed.count == 1
        after = _feature_rows(app, world.case_id)
        kept_with_reference = {"audit_events", "outbox_messages", "deviation_reports"}
        assert all(n == 0 for name, n in after.items()), after
        for name in kept_with_reference & set(before):
            assert before[name] > 0, name
        for table in ("consent_signers", "consent_links", "consent_events", "consent_units",
                      "plan_versions", "meeting_participants"):
            assert db.session.scalar(select(func.count()).select_from(db.metadata.tables[table])) == 0, table
        assert db.session.scalar(select(DeviationReport.case_id).where(
            DeviationReport.ref == world.values["report_ref"])) is None
        # The audit events stay, detached, until their own time.
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id.in_(logged))).all()
        assert len(rows) == len(logged) and all(e.case_id is None for e in rows)


def test_ended_consents_are_deleted_and_valid_ones_kept(world_app):
    from portal.consent.models import Consent

    app, world = world_app()
    with app.app_context():
        withdrawn = db.session.get(Consent, world.extra["consent_b"])
        ended_at = withdrawn.withdrawn_at
        # Three years and a day after the withdrawal: B goes; A (valid) stays whatever its age.
        result = run_retention(now=ended_at + dt.timedelta(days=3 * 366))
        assert _counts(result)["consents"] == 1
        assert db.session.get(Consent, world.extra["consent_b"]) is None
        assert db.session.get(Consent, world.extra["consent_a"]).status == "valid"
        assert db.session.get(Case, world.case_id) is not None
        # A valid consent whose last day passed long ago goes too, marked expired or not.
        valid_until = db.session.get(Consent, world.extra["consent_a"]).valid_until
        later = dt.datetime.combine(valid_until, dt.time(12)) + dt.timedelta(days=3 * 366)
        assert _counts(run_retention(now=later))["consents"] == 1
        assert db.session.get(Consent, world.extra["consent_a"]) is None
        assert db.session.get(Case, world.case_id) is not None  # the case is open: it stays


def test_closed_deviation_reports_are_deidentified_and_still_counted(world_app):
    from portal.deviations.models import DeviationEvent, DeviationRecipient, DeviationReport

    app, world = world_app()
    ref = world.values["report_ref"]
    with app.app_context():
        report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
        report.status, report.closed_at, report.case_id = "closed", LONG_AGO - dt.timedelta(days=365 * 4), world.case_id
        report.feedback = "Återkoppling om Matris"
        db.session.commit()
        kind, concerned, submitted = report.kind, report.concerned_unit_key, report.submitted_at
        result = run_retention(now=NOW)
        assert _counts(result)["deviation_reports"] == 1
        db.session.expire_all()
        report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
        assert (report.kind, report.concerned_unit_key, report.submitted_at, report.status) == (kind, concerned, submitted, "closed")
        assert report.record["event"]["kind"] == kind and "description" not in report.record and "client" not in report.record
        assert report.reporter_name == "" and report.feedback == "" and report.case_id is None
        assert all(e.text == "" and e.actor_name == "" for e in db.session.scalars(
            select(DeviationEvent).where(DeviationEvent.report_id == report.id)))
        assert all(r.email == "" for r in db.session.scalars(
            select(DeviationRecipient).where(DeviationRecipient.report_id == report.id)))
        assert _counts(run_retention(now=NOW))["deviation_reports"] == 0  # once
    # The reporter can still open it (no 500), the yearly compilation still counts it.
    from tests.support.security import client_for

    reporter = client_for(app, world, "own")
    page = reporter.get(f"/avvikelser/{ref}")
    assert page.status_code == 200 and "Återkoppling om Matris" not in page.get_data(as_text=True)
    assert reporter.get(f"/avvikelser/{ref}/pdf").status_code == 200
    year = submitted.year
    summary = client_for(app, world, "admin").get(f"/avvikelser/sammanstallning.csv?ar={year}")
    assert summary.status_code == 200 and "Avslutad" in summary.get_data(as_text=True)
