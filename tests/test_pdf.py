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
