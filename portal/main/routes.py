from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user
from .start_sections import sections_for

bp = Blueprint("main", __name__, template_folder="templates")

# Start page "ways in": (endpoint, heading, text, who, for whom when signed in). A way in shows once
# its feature exists, and to a signed-in user only when it is theirs (no link that answers 404).
WAYS_IN = [
    ("guidance.index", "Läs riktlinjerna", "Rutinerna för samverkan, vem som ansvarar för vad och en ordlista.", "alla",
     lambda u: True),
    ("consent.start", "Skriv under ett samtycke", "Har du fått en länk i ett e-postmeddelande? Öppna länken. Här kan du läsa mer om hur det går till.", "vårdnadshavare och unga",
     lambda u: True),
    ("deviations.new", "Rapportera en avvikelse", "Om någon part inte har följt de rutiner som gäller för samverkan.", "personal",
     lambda u: u.works_with_cases),
    ("cases.index", "Mina ärenden", "Ärenden som din enhet arbetar med: samtycken, möten och planer.", "personal",
     lambda u: u.works_with_cases),
    ("deviations.inbox", "Min inkorg", "Avvikelserapporter som har skickats till dig som chef.", "chefer",
     lambda u: u.is_manager),
]


@bp.route("/")
def index():
    ways = [(url_for(e) if e in current_app.view_functions else None, h, t, w) for e, h, t, w, for_user in WAYS_IN
            if not current_user.is_authenticated or for_user(current_user)]
    sections = []
    if current_user.is_authenticated:
        sections = sections_for(current_user)
    return render_template("main/index.html", ways=ways, sections=sections)


@bp.route("/tillganglighet")
def accessibility():
    """The accessibility statement (lagen (2018:1937) om tillgänglighet till digital offentlig service)."""
    return render_template("main/accessibility.html", facts=current_app.extensions.get("accessibility_statement"))


@bp.route("/personuppgifter")
def privacy():
    return render_template("main/privacy.html")
