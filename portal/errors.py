"""DomainError: the one base class of the errors a service raises when a step cannot be taken now.

The message is Swedish, free of personal data and safe to show; `field` names the form field it
belongs next to (None: the error summary, or a flash message where the page has no form).
portal/web/tx.py turns it into that message and rolls the transaction back."""
from __future__ import annotations


class DomainError(Exception):
    field: str | None = None

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        if field is not None:
            self.field = field
