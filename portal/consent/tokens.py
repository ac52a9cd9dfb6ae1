"""Personal link tokens and one-time codes.

A link token is 32 random bytes (URL-safe base64). Only its SHA-256 is stored, and a token is
looked up by its hash and then compared with hmac.compare_digest. Each link has the kind it was
sent for ("sign", "withdraw", the family's "plan"): find_link asks which kinds the page takes, and
a link of another kind is as unknown as a wrong token. One-time codes are six
digits, stored as an HMAC-SHA256 keyed with the application's secret key and bound to the link."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Collection

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from .models import ConsentLink

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> tuple[str, str]:
    """(token for the URL, SHA-256 hex to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(_TOKEN_RE.match(token or ""))


def find_link(token: str, *, kinds: Collection[str]):
    """The ConsentLink for a token if it is of one of ``kinds`` (what the page asking is for),
    else None (malformed, unknown, tampered, or sent for something else)."""
    if not kinds or isinstance(kinds, str):
        raise TypeError("find_link needs the collection of link kinds the page takes")
    if not looks_like_token(token):
        return None
    digest = hash_token(token)
    link = db.session.scalar(select(ConsentLink).where(ConsentLink.token_hash == digest))
    if link is None or not hmac.compare_digest(link.token_hash, digest) or link.kind not in kinds:
        return None
    return link


def new_code() -> str:
    return f"{secrets.randbelow(10 ** 6):06d}"


def hash_code(link_id: int, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, f"consent-otp:{link_id}:{code}".encode("utf-8"), hashlib.sha256).hexdigest()


def code_matches(link, code: str) -> bool:
    code = re.sub(r"\s+", "", code or "")
    if not link.otp_hash or not re.fullmatch(r"\d{6}", code):
        return False
    return hmac.compare_digest(link.otp_hash, hash_code(link.id, code))
