"""A signer's contact lives on the case (issue 28): a changed e-mail address is audited and both
the old and the new address are told, so a guardian notices when someone redirects their
personal links. The e-mails name the unit to contact and nothing about the child."""
from __future__ import annotations

import logging

from ..audit import log_event
from ..directory import current_directory
from ..notify import queue_email

log = logging.getLogger("portal.cases")

TEMPLATE = "cases/email/address_changed"


def address_changed(case, *, old: str, new: str, object_type: str, object_id: int, action: str) -> None:
    """Audit `action` and queue one e-mail to the old and one to the new address (in the caller's transaction)."""
    old, new = (old or "").strip(), (new or "").strip()
    if old.lower() == new.lower():
        return
    log_event(action, case=case, object_type=object_type, object_id=object_id,
           detail="e-postadress " + ("tillagd" if not old else "borttagen" if not new else "ändrad"))
    directory = current_directory()
    unit = directory.units.get(case.unit_key)
    context = {"unit_name": unit.name if unit else directory.unit_label(case.unit_key),
               "unit_email": unit.email if unit else "", "unit_phone": unit.phone if unit else ""}
    for address, is_new in ((old, False), (new, True)):
        if not address:
            continue
        try:
            queue_email(address, TEMPLATE, {**context, "is_new": is_new}, kind="case.address_changed", case_id=case.id)
        except ValueError as exc:  # the form validated the address; a failure must not stop the change
            log.warning("Address change e-mail not queued: %s", type(exc).__name__)
