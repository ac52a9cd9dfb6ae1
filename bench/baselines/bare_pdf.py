"""Baseline: the smallest Flask app that renders one HTML document to PDF with WeasyPrint on
every GET, with the options the portal uses (PDF/UA-1, tags, metadata) and pdf.css parsed anew
each time. No session, no database, no template, no access check, no audit. The HTML (the plan
as the portal renders it) is read once from BENCH_PDF_HTML; images and CSS resolve against
BENCH_STATIC, as in portal/pdf."""
import os

from flask import Flask, Response
from weasyprint import CSS, HTML

app = Flask(__name__)
SOURCE = open(os.environ["BENCH_PDF_HTML"], encoding="utf-8").read()
STATIC = os.environ["BENCH_STATIC"]
STYLESHEET = os.path.join(STATIC, "css", "pdf.css")


@app.get("/plan.pdf")
def plan():
    data = HTML(string=SOURCE, base_url=STATIC).write_pdf(stylesheets=[CSS(filename=STYLESHEET)],
                                                          pdf_variant="pdf/ua-1", pdf_tags=True, custom_metadata=True)
    return Response(data, mimetype="application/pdf")


@app.get("/ok")
def ok():
    return "ok"
