"""portal backup / portal restore: a consistent online backup while writes go on."""
import threading

from sqlalchemy import create_engine, func, select, text

from portal.audit.models import AuditEvent
from portal.extensions import db


def _count(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(AuditEvent.__table__)).scalar()
    engine.dispose()
    return n


def test_backup_while_writing_then_restore(app, runner, tmp_path, make_user):
    make_user("anna@skola.example")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    stop = threading.Event()
    written = []

    def writer():
        engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        while not stop.is_set() and len(written) < 2000:
            with engine.begin() as conn:
                conn.execute(AuditEvent.__table__.insert().values(
                    actor="bench", unit_key="", action="test.write", object_type="", object_id="", detail=""))
            written.append(1)
        engine.dispose()

    with app.app_context():
        for i in range(300):
            db.session.add(AuditEvent(actor="seed", action="test.seed"))
        db.session.commit()
    before = _count(url)
    thread = threading.Thread(target=writer)
    thread.start()
    import time

    deadline = time.monotonic() + 60
    while len(written) < 50 and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(written) >= 50, "the writer did not get going"
    backup_file = tmp_path / "backup" / "portal.bak"
    result = runner.invoke(args=["backup", str(backup_file)])
    stop.set()
    thread.join()
    assert result.exit_code == 0, result.output
    assert "Säkerhetskopian är skriven" in result.output
    after = _count(url)
    assert after == before + len(written)

    restored = runner.invoke(args=["restore", "--yes", str(backup_file)])
    assert restored.exit_code == 0, restored.output
    in_backup = _count(url)
    assert before + 50 <= in_backup <= after   # a snapshot taken while writing went on
    if url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        engine.dispose()
    with app.app_context():
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.seed")) == 300


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path, make_user):
    make_user("anna@skola.example")
    bogus = tmp_path / "inte-en-backup.bak"
    bogus.write_bytes(b"hello, this is not a database" * 10)
    result = runner.invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    assert "ingen SQLite-databas" in result.output or "mysql misslyckades" in result.output
    from portal.accounts.models import User

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1  # nothing was lost
