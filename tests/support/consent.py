"""Helpers for the consent tests: a staff member asks for consent through the real pages, the
outbox delivers through a real SMTP server (tests.support.smtp_server), signers follow the links from
the e-mails they received."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from stdnum import luhn

from tests.helpers import login
from portal.timeutil import today_local

BASE = "http://portal.test"
LINK_RE = re.compile(r"http://portal\.test(/samtycke/s/[A-Za-z0-9_-]{43})")
CODE_RE = re.compile(r"Din kod är: (\d{6})")
STAFF = "anna.larare@skola.example"        # solbackens-skola (opens the case)
BUP = "britt.bup@region.example"           # bup-pite-alvdal (named in the consent)
VC = "vera.vard@region.example"            # arjeplogs-vardcentral (not named)


def personal_number_for_age(age: int, today: dt.date | None = None) -> str:
    """A valid personal number (check digit right) for someone who is `age` years old today."""
    today = today or today_local()
    born = dt.date(today.year - age, 1, 1) if (today.month, today.day) > (1, 15) else dt.date(today.year - age - 1, 6, 1)
    serial = "238"
    body = f"{born:%y%m%d}{serial}"
    return f"{born:%Y%m%d}-{serial}{luhn.calc_check_digit(body)}"


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def html_of(mail) -> str:
    return mail.get_body(("html",)).get_content()


def deliver(app, sink, expect: int | None = None) -> int:
    """Runs the outbox worker once; waits for the SMTP server to hold `expect` messages in total."""
    from portal.notify.worker import deliver_due

    with app.app_context():
        result = deliver_due()
    if expect is not None:
        assert sink.wait_for(expect), f"expected {expect} messages, got {len(sink.messages)}"
    return result.sent


def mails_to(sink, address: str) -> list:
    return [m for m in sink.messages if m["To"] == address]


def link_in(mail) -> str:
    match = LINK_RE.search(text_of(mail))
    assert match, "no personal link in the e-mail"
    assert match.group(0) in html_of(mail)
    return match.group(1)


def code_in(mail) -> str:
    match = CODE_RE.search(text_of(mail))
    assert match, "no one-time code in the e-mail"
    return match.group(1)


@dataclass
class Setup:
    app: object
    sink: object
    ref: str
    staff_id: int
    ids: dict = field(default_factory=dict)


def setup_people(app, make_user, make_case, *, age: int = 15, guardians: int = 2, **case_fields) -> Setup:
    staff_id = make_user(STAFF, units=("solbackens-skola",), name="Anna Lärarsson")
    bup_id = make_user(BUP, units=("bup-pite-alvdal",), name="Britt Bupsson")
    vc_id = make_user(VC, units=("arjeplogs-vardcentral",), name="Vera Vårdsson")
    case_fields.setdefault("email", "ung@familj.example")  # the young person's address lives on the case
    ref = make_case(staff_id, guardians=guardians, personal_number=personal_number_for_age(age), **case_fields)
    return Setup(app, None, ref, staff_id, {"bup": bup_id, "vc": vc_id})


def request_data(page_html: str, *, units=("solbackens-skola", "bup-pite-alvdal"), purposes=("plan_support",),
                 categories=("school", "health"), months="12", child_email="ung@familj.example",
                 channels: dict | None = None, child_include: str | None = None, **extra) -> dict:
    """Form data for the request page, from the page itself (the guardians' field names)."""
    data = {
        "purpose__purposes": list(purposes), "purpose__purpose_text": "",
        "units__units": list(units),
        "information__categories": list(categories), "information__categories_text": "",
        "validity__months": months,
        "contact__unit": "solbackens-skola", "contact__name": "Anna Lärarsson",
        "contact__email": STAFF, "contact__phone": "0961-123 45",
    }
    for gid in re.findall(r'name="signer_g(\d+)_channel"', page_html):
        data[f"signer_g{gid}_channel"] = (channels or {}).get(gid, (channels or {}).get("guardians", "email"))
        value = re.search(rf'name="signer_g{gid}_email"[^>]*value="([^"]*)"', page_html) or \
            re.search(rf'value="([^"]*)"[^>]*name="signer_g{gid}_email"', page_html)
        data[f"signer_g{gid}_email"] = value.group(1) if value else ""
    data["signer_child_channel"] = (channels or {}).get("child", "email")
    data["signer_child_email"] = child_email
    if child_include is not None:
        data["signer_child_include"] = child_include
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def ask_for_consent(client, ref: str, **kwargs) -> int:
    """Staff: fills in the request, checks the answers and sends. Returns the consent id."""
    page = client.get(f"/arenden/{ref}/samtycke/nytt")
    assert page.status_code == 200
    response = client.post(f"/arenden/{ref}/samtycke/nytt", data=request_data(page.get_data(as_text=True), **kwargs))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    check_url = response.headers["Location"]
    consent_id = int(re.search(r"/samtycke/(\d+)/kontrollera", check_url).group(1))
    check = client.get(check_url)
    assert check.status_code == 200
    sent = client.post(check_url, data={})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/samtycke/{consent_id}")
    return consent_id


def verify_by_code(app, sink, client, path: str) -> None:
    """Signer: opens the link, asks for a code, reads it from the e-mail and types it in."""
    before = len(sink.messages)
    page = client.get(path)
    assert page.status_code == 200 and "Bekräfta att det är du" in page.get_data(as_text=True)
    sent = client.post(f"{path}/identifiera/email_otp", data={"action": "send"})
    assert sent.status_code == 302
    deliver(app, sink, expect=before + 1)
    code = code_in(sink.messages[-1])
    verified = client.post(f"{path}/identifiera/email_otp", data={"action": "verify", "code": code})
    assert verified.status_code == 302 and verified.headers["Location"].endswith(path)


def sign_page(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def shown_hash(html: str) -> str:
    return re.search(r'name="text_sha256" type="hidden" value="([0-9a-f]{64})"', html).group(1)


def sign(client, path: str, name: str) -> None:
    html = sign_page(client, path)
    response = client.post(f"{path}/skriv-under", data={"understood": "y", "name": name, "text_sha256": shown_hash(html)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def main_text(html: str) -> str:
    """The visible text of <main>, one line per block element (for LIX and privacy checks)."""
    from html.parser import HTMLParser

    main = html.split('<main', 1)[1].split("</main>", 1)[0]

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self.skip += 1
            if tag in ("p", "li", "h1", "h2", "h3", "h4", "div", "label", "legend", "br", "button", "a"):
                self.parts.append("\n")

        def handle_endtag(self, tag):
            if tag in ("script", "style"):
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(main.split(">", 1)[1])
    return re.sub(r"[ \t]+", " ", "".join(parser.parts))


def unlock_device(client, password=None) -> None:
    """In-person signing locks the staff member's session; their password takes the device back."""
    from tests.helpers import TEST_PASSWORD

    response = client.post("/samtycke/pa-plats/las-upp", data={"password": password or TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def staff_client(app, email=STAFF):
    client = app.test_client()
    login(client, email)
    return client


def consent_sent_by_e_mail(app_factory, make_user, make_case, smtp_sink, *, age: int = 15):
    """(app, staff client, case ref, consent id, guardian 1's personal link path): a consent asked
    for by e-mail, its three messages delivered to the SMTP sink."""
    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    people = setup_people(app, make_user, make_case, age=age)
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, people.ref)
    deliver(app, smtp_sink, expect=3)
    return app, staff, people.ref, consent_id, link_in(mails_to(smtp_sink, "vh1@familj.example")[-1])
