"""Administration of the outbox and the development mailbox."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notify", __name__, template_folder="templates")
