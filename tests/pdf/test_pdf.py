import io

from pypdf import PdfReader


def test_pdf_is_tagged_has_title_language_and_readable_text(app, tmp_path):
    from portal.pdf import render_pdf

    from jinja2 import ChoiceLoader, DictLoader

    with app.test_request_context():
        app.jinja_env.loader = ChoiceLoader([DictLoader({"probe.html": (
            '{% extends "pdf/base.html" %}{% block content %}<h1>Rubrik med åäö</h1>'
            '<p>Första stycket.</p><p>Andra stycket.</p>{% endblock %}')}), app.jinja_env.loader])
        data = render_pdf("probe.html", title="Provdokument")
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]).lower().startswith("sv")
    assert reader.metadata.title == "Provdokument"
    text = reader.pages[0].extract_text()
    assert text.index("Rubrik med åäö") < text.index("Första stycket.") < text.index("Andra stycket.")


# --- The PDF budget (issue 27): a PDF that would pin a worker answers a Swedish page instead ----------

GUIDELINE_PDF = "/riktlinjer/norrbus-riktlinjer.pdf"


def test_a_pdf_over_the_size_cap_is_not_rendered_and_answers_a_swedish_page(app_factory):
    client = app_factory(PORTAL_PDF_MAX_CHARS=5000).test_client()
    response = client.get(GUIDELINE_PDF)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "PDF:en kunde inte skapas" in html and "PDF:en blir för stor för att skapas" in html
    assert response.headers["Cache-Control"] == "no-store" and "Retry-After" not in response.headers


def test_a_render_over_the_time_budget_is_stopped_and_the_next_pdf_still_renders(app_factory):
    import signal

    slow = app_factory(PORTAL_PDF_SECONDS=0.05).test_client()
    # A timer someone else had set (a test runner's, a library's) is put back afterwards.
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 600)
    try:
        response = slow.get(GUIDELINE_PDF)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    html = response.get_data(as_text=True)
    assert response.status_code == 503, response.status_code
    assert "PDF:en tog för lång tid att skapa" in html and response.headers["Retry-After"] == "60"
    assert 500 < remaining <= 600 and not fired
    # The same process renders the next PDF as before: the stopped render left nothing broken.
    again = app_factory().test_client().get(GUIDELINE_PDF)
    assert again.status_code == 200 and again.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(again.data)).pages) >= 1


def test_outside_the_main_thread_the_render_runs_without_a_timer(app_factory):
    """Only the main thread can take SIGALRM (gunicorn's sync workers run requests there); in
    another thread only the size cap bounds a PDF (docs/pdf.md)."""
    import threading

    client = app_factory(PORTAL_PDF_SECONDS=0.05).test_client()
    answers = []
    worker = threading.Thread(target=lambda: answers.append(client.get(GUIDELINE_PDF)))
    worker.start()
    worker.join(120)
    assert answers and answers[0].status_code == 200 and answers[0].mimetype == "application/pdf"
