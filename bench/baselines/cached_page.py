"""Baseline: the smallest Flask app that returns a page's HTML, read once into memory."""
import os

from flask import Flask, Response

app = Flask(__name__)
HTML = open(os.environ["BENCH_HTML"], "rb").read()


@app.route("/<path:anything>")
def page(anything):
    return Response(HTML, content_type="text/html; charset=utf-8")
