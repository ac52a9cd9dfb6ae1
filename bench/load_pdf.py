"""4. The PDF of a four-page plan (SIP) as a staff member fetches it from the portal under
gunicorn, against WeasyPrint rendering the same HTML directly: served by the smallest Flask app
under gunicorn (bench/baselines/bare_pdf.py), so that both sides are fetched the same way, and in
this process beside it.

Sequential requests, the median of N, every side in turn. The portal's PDFs are tagged PDF/UA-1
(portal/pdf); the bare side is measured with the same options and with WeasyPrint's defaults, so
that the cost of the tagging is visible on its own."""
from __future__ import annotations

import datetime as dt
import io
import statistics
import time
import urllib.request

from harness import Row, gunicorn, ratio
from load import HERE, STAFF, Browser

CHILD = "Elsa Lindqvist"
UNIT = "solbackens-skola"

NEEDS = ("Elsa behöver ett sammanhållet stöd i skolan och hemma. Hon har svårt att komma i tid till skolan, "
         "har missat mycket undervisning under hösten och berättar att hon ofta har ont i magen på morgonen. "
         "Vårdnadshavarna vill ha hjälp att skapa goda rutiner kring sömn och måltider, och skolan behöver veta "
         "hur de bäst möter Elsa när hon kommer sent. Elsa behöver också få tid med en vuxen hon litar på.")
STRENGTHS = ("Elsa tycker om bild och musik och har en god vän i klassen. Hon berättar gärna om sin hund. "
             "Familjen är engagerad och har själv bett om samordnat stöd. Mentorn har god kontakt med Elsa.")
INTERVENTIONS = [
    ("Anpassad studiegång i matematik och svenska med en speciallärare två lektioner i veckan. Elsa får "
     "arbeta i ett mindre rum och får uppgifterna i förväg så att hon kan förbereda sig hemma.",
     "Två lektioner i veckan", "Läsåret ut", "Mentorn stämmer av med Elsa varannan vecka"),
    ("Samtal med skolkuratorn om oro, skolfrånvaro och hur Elsa kan be om hjälp när hon behöver. Kuratorn "
     "hjälper också Elsa att hitta en vuxen på skolan att gå till på morgonen.",
     "En gång i veckan", "Tio veckor", "Kuratorn och Elsa utvärderar tillsammans"),
    ("Föräldrastöd i grupp enligt ett evidensbaserat program, med fokus på rutiner, sömn och samtal om skolan. "
     "Socialtjänsten erbjuder barnvakt under träffarna.",
     "Varannan vecka", "Tolv veckor", "Uppföljning vid SIP-mötet"),
    ("Hälsobesök hos skolsköterskan om magont och sömn, med kontakt med vårdcentralen om det behövs. "
     "Skolsköterskan ger råd om frukost och pauser under skoldagen.",
     "Ett besök, sedan vid behov", "Hösten", "Skolsköterskan rapporterar till samordnaren"),
    ("Morgonstöd: en elevassistent möter Elsa vid entrén och följer henne till första lektionen. Skolan "
     "ringer hem om Elsa inte har kommit en halvtimme efter skolstart.",
     "Varje skoldag", "Sex veckor, sedan prövning", "Frånvaron följs upp varje vecka"),
]
OTHERS = ("Föreningen Fjällvänner erbjuder en fadder som Elsa kan träffa en helg i månaden. Kyrkans "
          "ungdomsverksamhet har öppet hus på onsdagar som familjen kan välja att gå till.")
CHILD_VIEW = ("Jag vill gå till skolan men det är jobbigt på morgonen. Det är bra om någon möter mig. Jag vill "
              "inte byta klass. Jag tycker om att rita och vill gå på kursen om min kompis också får gå.")
GUARDIANS_VIEW = ("Vi är glada att alla nu pratar med varandra så att vi slipper berätta samma sak många gånger. "
                  "Vi vill gärna ha tider för föräldrastödet som fungerar med våra arbetstider.")


def seed_plan(app) -> str:
    """A case at Solbackens skola opened by the staff account, with a SIP whose PDF is four pages."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.cases.models import Case, Guardian
    from portal.extensions import db
    from portal.plans import service

    staff = db.session.scalar(select(User).where(User.email == STAFF))
    case = Case(unit_key=UNIT, opened_by_id=staff.id, child_name=CHILD, personal_number="20140312-2389")
    case.guardians.append(Guardian(name="Maria Lindqvist", email="maria.lindqvist@familj.example", has_custody=True))
    case.guardians.append(Guardian(name="Johan Lindqvist", email="johan.lindqvist@familj.example", has_custody=True))
    db.session.add(case)
    db.session.flush()
    plan = service.create_plan(case, staff, "sip")
    person = f"{UNIT}:{staff.id}"
    today = dt.date(2026, 2, 10)
    interventions = [{"what": what, "unit": UNIT, "contact": person, "performer": "", "start": today.isoformat(),
                      "frequency": often, "duration": length, "cost": "arjeplogs-kommun", "followup": follow,
                      "priority": i < 2}
                     for i, (what, often, length, follow) in enumerate(INTERVENTIONS)]
    record = {
        "plan": {"established_on": today.isoformat()},
        "needs": {"needs": NEEDS, "strengths": STRENGTHS},
        "interventions": interventions,
        "others": {"measures": OTHERS},
        "family": {"child": CHILD_VIEW, "guardians": GUARDIANS_VIEW},
        "roles": {"coordinator": person, "plan_owner": "", "lead_service": "arjeplog-grundskola",
                  "overall_authority": "arjeplogs-kommun"},
        "followup": {"date": (today + dt.timedelta(days=42)).isoformat(), "time": "13.00",
                     "place": "Solbackens skola, konferensrummet", "convener": person},
    }
    service.save_content(case, plan.versions[0], record, staff, detail="mätdata")
    db.session.commit()
    return f"/arenden/{case.ref}/planer/{plan.id}/v/1.pdf"


def pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def plan_html(app, path: str) -> str:
    """The HTML the portal renders for the plan's PDF (portal/pdf render_pdf_html), as the staff member."""
    from flask_login import login_user
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.pdf import render_pdf_html
    from portal.cases.access import get_case_or_404
    from portal.plans.routes import plan_pdf_args
    from portal.plans.service import get_plan

    ref, plan_id, number = path.split("/")[2], int(path.split("/")[4]), int(path.split("/")[6].split(".")[0])
    with app.test_request_context(path):
        user = db.session.scalar(select(User).where(User.email == STAFF))
        login_user(user)
        case = get_case_or_404(ref, user)
        plan = get_plan(case, plan_id)
        template, context = plan_pdf_args(case, plan, plan.version(number))
        html = render_pdf_html(template, **context)
        db.session.remove()
    return html


def run(ctx, results) -> None:
    paths = {}

    def seed(app):
        paths["plan"] = seed_plan(app)

    # One worker on each server: the requests are sequential, and with two workers a cold one (its
    # first PDF loads WeasyPrint and the fonts) could take a measured request after the warm-up.
    portal, app = ctx.new_portal("pdf", workers=1, seed=seed)
    n = 3 if ctx.quick else 9  # a PDF takes 0.1–0.2 s: nine each, interleaved, so one slow moment does not decide
    from weasyprint import CSS, HTML

    from portal.pdf import STATIC, _stylesheet_and_fonts

    css = STATIC / "css" / "pdf.css"
    tagged = {"pdf_variant": "pdf/ua-1", "pdf_tags": True, "custom_metadata": True}
    served = None
    try:
        browser = Browser(portal.url).login(STAFF)
        html = plan_html(app, paths["plan"])
        source = ctx.folder / "pdf" / "plan.html"
        source.write_text(html, encoding="utf-8")
        served = gunicorn("bare-pdf", "bare_pdf:app", workers=1, cwd=HERE / "baselines", ready_path="/ok",
                          env={"BENCH_PDF_HTML": str(source), "BENCH_STATIC": str(STATIC)}, log=ctx.log).start()

        def get(opener, url: str):
            def fetch() -> bytes:
                with opener.open(url, timeout=120) as r:  # noqa: S310 (loopback)
                    assert r.status == 200 and r.headers["Content-Type"] == "application/pdf"
                    return r.read()
            return fetch

        def bare(**options):
            def render() -> bytes:
                return HTML(string=html, base_url=str(STATIC)).write_pdf(stylesheets=[CSS(filename=str(css))],
                                                                         **options)
            return render

        def kept() -> bytes:   # as portal/pdf now does: pdf.css parsed and the fonts loaded once
            sheet, fonts = _stylesheet_and_fonts()
            return HTML(string=html, base_url=str(STATIC)).render(stylesheets=[sheet], font_config=fonts).write_pdf(
                **tagged)

        sides = {"portal": get(browser.opener, portal.url + paths["plan"]),
                 "served": get(urllib.request.build_opener(), served.url + "/plan.pdf"),
                 "same": bare(**tagged), "plain": bare(), "kept": kept}
        for fn in sides.values():     # warm-up: a worker's (and this process's) first PDF loads the fonts
            fn()
        # Interleaved, so that the other work on the machine weighs on every side alike.
        times = {k: [] for k in sides}
        out = {}
        for _ in range(n):
            for k, fn in sides.items():
                start = time.perf_counter()
                out[k] = fn()
                times[k].append((time.perf_counter() - start) * 1000)
    finally:
        portal.stop()
        if served is not None:
            served.stop()
    ms = {k: statistics.median(v) for k, v in times.items()}
    spread = {k: f"{min(v):.0f}–{max(v):.0f} ms" for k, v in times.items()}
    counts = {"portal": pages(out["portal"]), "bare, served": pages(out["served"]),
              "bare, in process": pages(out["same"]), "bare, defaults": pages(out["plain"])}
    size = f"{len(out['portal']) // 1024} KiB"
    results.add(
        Row("4 plan PDF", "bare WeasyPrint served by gunicorn (1 worker): the same HTML, PDF/UA-1 + tags", None,
            ms["served"], None,
            note=f"median of {n} sequential GETs, interleaved with the others ({spread['served']}); "
                 "bench/baselines/bare_pdf.py: a new CSS(pdf.css) + HTML(string).write_pdf(pdf_variant='pdf/ua-1', "
                 f"pdf_tags=True, custom_metadata=True) each request, no session or database; "
                 f"{counts['bare, served']} pages"),
        Row("4 plan PDF", "bare WeasyPrint in the benchmark's process, same HTML and options", None, ms["same"], None,
            note=f"median of {n} ({spread['same']}); the same call without gunicorn or HTTP; "
                 f"{counts['bare, in process']} pages; served / in process {ratio(ms['served'], ms['same']):.2f} x"),
        Row("4 plan PDF", "bare WeasyPrint in process, default options", None, ms["plain"], None,
            note=f"median of {n}; no PDF/UA, no tags; {counts['bare, defaults']} pages; tagging costs "
                 f"{ratio(ms['same'], ms['plain']):.2f} x"),
        Row("4 plan PDF", "bare WeasyPrint in process, same options, pdf.css and fonts kept", None, ms["kept"], None,
            note=f"median of {n}; one parsed CSS and one FontConfiguration reused, as portal/pdf does; "
                 f"{ratio(ms['kept'], ms['same']):.2f} x a new one each time"),
        Row("4 plan PDF", "portal (gunicorn, 1 worker): staff member fetches the plan PDF", None, ms["portal"], None,
            note=f"median of {n} sequential GETs ({spread['portal']}; pdf.css and fonts kept per process); "
                 f"{counts['portal']} pages, {size}; {ratio(ms['portal'], ms['served']):.2f} x bare served, "
                 f"{ratio(ms['portal'], ms['same']):.2f} x bare in process, "
                 f"{ratio(ms['portal'], ms['kept']):.2f} x bare kept "
                 "(the request: session, access, the plan from the database, template, audit)"),
    )
    # The same document on every side: the page counts agree (the plan's length is the demo's, not fixed here).
    results.target("4 plan PDF", "plan PDF <= 1.2 x bare WeasyPrint, same HTML and options, both served "
                                 "by one gunicorn worker",
                   f"{ratio(ms['portal'], ms['served']):.2f} x ({ms['portal']:.0f} vs {ms['served']:.0f} ms; "
                   f"against the render in the benchmark's process {ratio(ms['portal'], ms['same']):.2f} x); pages: "
                   + ", ".join(f"{k} {v}" for k, v in counts.items()),
                   ratio(ms['portal'], ms['served']) <= 1.2 and len(set(counts.values())) == 1)
