"""E-mails about deviation reports, through the outbox (portal.notify.queue_email).

Never any personal data and never the report's contents: what happened, a link to log in,
who to contact."""
from __future__ import annotations

from flask import current_app, url_for
from ..notify import queue_email, render_email

CONTACT = ("Har du frågor om rutinen för avvikelsehantering? Kontakta din närmaste chef. "
           "Kan du inte logga in? Kontakta portalens administratör.")

# event -> (headline = subject, lead, link text)
MESSAGES = {
    "routed": ("En avvikelserapport har skickats till dig",
               "En avvikelserapport har skickats till dig som närmaste chef. Läs rapporten, skriv under den "
               "med ditt yttrande och handlägg den enligt rutinen för avvikelsehantering.",
               "Läs rapporten"),
    "copy": ("Du har fått en kopia av en avvikelserapport",
             "En avvikelserapport från en verksamhet som du är chef för har skickats till ansvarig chef. "
             "Du har fått en kopia.",
             "Läs rapporten"),
    "unrouted": ("En avvikelserapport saknar mottagare",
                 "En avvikelserapport kunde inte fördelas till någon chef enligt reglerna. Den väntar i kön "
                 "Avvikelser utan mottagare. Välj en mottagare.",
                 "Öppna kön"),
    "assigned": ("Du har fått en avvikelserapport att handlägga",
                 "En chef har gett dig en avvikelserapport att handlägga.",
                 "Läs rapporten"),
    "concerned": ("En avvikelserapport gäller din verksamhet",
                  "En avvikelserapport som gäller din verksamhet har skrivits under av den rapporterande "
                  "verksamhetens chef och skickats till dig. Analysera avvikelsen och lämna verksamhetens svar.",
                  "Läs rapporten och svara"),
    "answered": ("Den berörda verksamheten har svarat på en avvikelserapport",
                 "Den berörda verksamheten har lämnat sitt svar på en avvikelserapport som du handlägger.",
                 "Läs svaret"),
    "feedback": ("Återkoppling på din avvikelserapport",
                 "Du har fått återkoppling på en avvikelserapport som du har skickat.",
                 "Läs återkopplingen"),
    "closed": ("Din avvikelserapport är avslutad",
               "En avvikelserapport som du har skickat är nu avslutad.",
               "Läs rapporten"),
}


def prepare(event: str, report, path: str | None = None):
    """The e-mail about this event, rendered once: it is the same for every address (no personal
    data, a link to the report or to ``path``)."""
    headline, lead, action = MESSAGES[event]
    link = current_app.config["PORTAL_BASE_URL"] + (path or url_for("deviations.view", ref=report.ref))
    return render_email("deviations/email/notice",
                        {"headline": headline, "lead": lead, "action": action, "link": link, "contact": CONTACT})


def queue(event: str, rendered, addresses, report, history_event) -> int:
    """Queue the prepared e-mail once per address (deduplicated per history event). Returns how many.

    ``history_event`` is the event this transaction has just written (service.add_event): no
    e-mail queued before can carry its key, so the outbox does not look for one."""
    count = 0
    for address in sorted({a.strip().lower() for a in addresses if a and a.strip()}):
        queue_email(address, kind=f"deviation.{event}", case_id=None, rendered=rendered,
                    dedupe_key=f"deviation:{report.id}:{history_event.id}:{event}:{address}"[:191], new_key=True)
        count += 1
    return count


def notify(event: str, addresses, report, history_event, path: str | None = None) -> int:
    """Queue one e-mail per address (deduplicated per history event). Returns how many."""
    addresses = list(addresses)
    if not any(a and a.strip() for a in addresses):
        return 0
    return queue(event, prepare(event, report, path), addresses, report, history_event)
