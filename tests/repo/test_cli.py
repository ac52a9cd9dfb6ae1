import subprocess
import sys

from tests.helpers import ROOT


def _portal(*args, env_extra=None, tmp_path=None):
    import os

    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "portal", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_db_upgrade_and_seed_demo_once_on_a_fresh_database(tmp_path):
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", "PORTAL_SECRET_KEY": "test"}
    assert _portal("db", "upgrade", env_extra=env).returncode == 0
    first = _portal("seed-demo", env_extra=env)
    assert first.returncode == 0 and "Demodata är inläst" in first.stdout
    second = _portal("seed-demo", env_extra=env)
    assert second.returncode == 0 and "Demodata finns redan" in second.stdout
    logins = _portal("demo-logins", env_extra=env)
    assert "anna.larare@arjeplog.example" in logins.stdout and "Demo-Samverkan-2026" in logins.stdout


def test_demo_logins_work(app_factory):
    from portal.demo import DEMO_PASSWORD, seed_demo
    from tests.helpers import login

    app = app_factory()
    with app.app_context():
        assert seed_demo() is True
    for email in ("anna.larare@arjeplog.example", "rut.rektorsson@arjeplog.example", "admin@demo.example"):
        login(app.test_client(), email, DEMO_PASSWORD)
