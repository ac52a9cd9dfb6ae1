"""The text a signer reads and signs, in plain Swedish (pure functions).

Two versions: "adult" for guardians and young people from 18 (LIX at most 40) and "child" for
a younger person (LIX at most 30). The text is stored with each signer together with its
SHA-256, exactly as shown; `render_html` turns it into markup for the page and the receipt.

Markup: "## " starts a heading, "- " a list item, a blank line ends a paragraph."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup

from ..templating import swedish_date


@dataclass(frozen=True)
class Terms:
    child_name: str
    asking_unit: str                     # the unit's name
    purposes: tuple[str, ...]            # plain-language sentences, already in the audience's version
    purpose_text: str                    # the staff member's own words (may be empty)
    units: tuple[str, ...]               # unit names (each unit, never a whole authority)
    categories: tuple[str, ...]          # plain-language sentences
    categories_text: str
    valid_from: dt.date
    valid_until: dt.date
    contact_name: str
    contact_email: str
    contact_phone: str
    guardians_asked: int = 0             # how many guardians are asked
    child_asked: bool = False            # the young person is asked too


def _first_name(name: str) -> str:
    return (name or "").split()[0] if (name or "").split() else ""


def _bullets(lines) -> list[str]:
    return [f"- {line.strip()}" for line in lines if line and line.strip()]


def _contact(t: Terms, child: bool) -> list[str]:
    lines = []
    how = []
    if t.contact_phone:
        how.append(f"Ring {t.contact_phone}.")
    if t.contact_email:
        how.append(f"Mejla {t.contact_email}.")
    if child:
        lines.append(f"Prata med {t.contact_name} på {t.asking_unit}.")
    else:
        lines.append(f"Kontakta {t.contact_name} på {t.asking_unit}.")
    lines.append(" ".join(how))
    return [line for line in lines if line]


def adult_text(t: Terms, signer_is_child: bool = False) -> str:
    """For guardians, and for a young person who is 18 or older (signer_is_child=True)."""
    about = "dig" if signer_is_child else f"ditt barn {t.child_name}"
    parts = [
        "## Vad frågan gäller",
        f"{t.asking_unit} frågar om du ger ditt samtycke. Det gäller {about}.",
        "Med ditt samtycke får de enheter som står nedan dela uppgifter med varandra. Annars får de inte det.",
        "",
        "## Varför vi frågar",
        *_bullets(t.purposes),
    ]
    if t.purpose_text.strip():
        parts += ["", t.purpose_text.strip()]
    parts += [
        "",
        "## Vilka som får dela uppgifter",
        "Bara de här enheterna får dela uppgifter med varandra:",
        *_bullets(t.units),
        "Ingen annan får uppgifter genom det här samtycket.",
        "",
        "## Vilka uppgifter",
        *_bullets(list(t.categories) + ([t.categories_text] if t.categories_text.strip() else [])),
        "",
        "## Hur länge",
        f"Samtycket gäller från {swedish_date(t.valid_from)} till och med {swedish_date(t.valid_until)}.",
        "Sedan gäller det inte längre.",
        "",
        "## Du bestämmer",
        "Det är frivilligt att ge samtycke. Du kan säga ja eller nej.",
        "Du kan ändra dig när du vill. Då återkallar du samtycket. Det gäller från den stunden.",
        "Det som redan har delats finns kvar hos enheterna.",
    ]
    if not signer_is_child and t.guardians_asked > 1:
        parts.append("Barnet har två vårdnadshavare. Då måste båda säga ja.")
    if not signer_is_child and t.child_asked:
        parts.append(f"Vi frågar också {_first_name(t.child_name)}. Samtycket gäller bara om alla säger ja.")
    parts += ["", "## Frågor", *_contact(t, child=False)]
    return "\n".join(parts).strip() + "\n"


def child_text(t: Terms) -> str:
    """For a young person under 18: shorter sentences and simpler words."""
    first = _first_name(t.child_name)
    parts = [
        "## Vad det gäller",
        f"Hej {first}!" if first else "Hej!",
        f"Vi på {t.asking_unit} vill hjälpa dig. Vi vill göra det bra. Då kan vi behöva prata med andra som också hjälper dig.",
        "Men först vill vi fråga dig. Det är ditt val.",
        "",
        "## Varför",
        *_bullets(t.purposes),
    ]
    if t.purpose_text.strip():
        parts += ["", t.purpose_text.strip()]
    parts += [
        "",
        "## Vem får prata med varandra",
        "Bara de här får prata med varandra om dig:",
        *_bullets(t.units),
        "",
        "## Om vad",
        *_bullets(list(t.categories) + ([t.categories_text] if t.categories_text.strip() else [])),
        "",
        "## Hur länge",
        f"Det gäller till och med {swedish_date(t.valid_until)}.",
        "",
        "## Du får välja",
        "Du får säga ja. Du får säga nej.",
        "Du får ändra dig sen. Säg till när du vill. Då slutar det gälla.",
    ]
    if t.guardians_asked:
        parts.append("Vi frågar också de vuxna som har vårdnaden om dig. Alla måste säga ja.")
    parts += ["", "## Frågor", *_contact(t, child=True)]
    return "\n".join(parts).strip() + "\n"


_HEADINGS = {2: Markup("<h2>{}</h2>"), 3: Markup("<h3>{}</h3>"), 4: Markup("<h4>{}</h4>")}


def render_html(text: str, heading_level: int = 2) -> Markup:
    """The stored text as HTML: headings, paragraphs and lists. Every piece of text is escaped."""
    heading = _HEADINGS.get(heading_level, _HEADINGS[2])
    html: list[Markup] = []
    items: list[str] = []

    def flush_items():
        if items:
            html.append(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(i) for i in items)))
            items.clear()

    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith("- "):
            items.append(line[2:])
            continue
        flush_items()
        if line.startswith("## "):
            html.append(heading.format(line[3:]))
        elif line:
            html.append(Markup("<p>{}</p>").format(line))
    flush_items()
    return Markup("\n").join(html)


def plain_text(text: str) -> str:
    """The stored text without markup (for readability checks)."""
    lines = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith("## ") or line.startswith("- "):
            line = line[3:] if line.startswith("## ") else line[2:]
        lines.append(line)
    return "\n".join(lines)
