"""The guidelines are published from content/: complete, safe, with Swedish anchors and glossary links."""
from __future__ import annotations

import re

import pytest

from tests.support.guidance import SEED_OF, copy_content, element_text, fold_letters, fuzzy_contains, seed_fragments


@pytest.mark.parametrize("slug", sorted(SEED_OF))
def test_every_seed_document_is_published_completely(client, slug):
    html = client.get(f"/riktlinjer/{slug}").get_data(as_text=True)
    page = fold_letters(element_text(html, "innehall"))
    fragments = seed_fragments(SEED_OF[slug])
    assert len(fragments) >= 10
    if slug == "arjeplog-rutiner":
        # The Arjeplog seed is OCR text without å/ä/ö ("stdd" for "stöd"): compare folded and fuzzily.
        missing = [f for f in fragments if not fuzzy_contains(fold_letters(f), page)]
    else:
        missing = [f for f in fragments if fold_letters(f) not in page]
    assert missing == [], f"{len(missing)} of {len(fragments)} sentences are missing, first: {missing[:3]}"


def test_the_seed_comparison_notices_a_missing_sentence(client):
    """The fuzzy comparison is not trivially true: text from another document is not 'found'."""
    html = client.get("/riktlinjer/arjeplog-rutiner").get_data(as_text=True)
    page = fold_letters(element_text(html, "innehall"))
    others = seed_fragments(SEED_OF["kronoberg-samverkansmote-barnets-plan"])[:15]
    assert not any(fuzzy_contains(fold_letters(f), page) for f in others)
    # …and a sentence of this document with a few words dropped is not found either.
    sentence = fold_letters("De professionella aktörerna ska prioritera sådana nätverksmöten.")
    assert sentence in page
    assert not fuzzy_contains(fold_letters("De aktörerna ska prioritera möten med polisen varje vecka."), page)


def test_tables_are_rendered_as_tables_with_caption_and_header_scope(client):
    html = client.get("/riktlinjer/norrbus-riktlinjer").get_data(as_text=True)
    assert html.count("<table") == 5
    assert '<caption id="tabell-2">Skillnader mellan landstingets, socialtjänstens och skolans uppdrag</caption>' in html
    assert '<th scope="col">Landsting</th>' in html
    assert "<td>Mantalsskrivningsort</td>" in html
    # Scrollable on narrow screens and reachable by keyboard, labelled by the caption.
    assert 'aria-labelledby="tabell-2" class="table-wrap" role="region" tabindex="0"' in html
    assert "Tabell:" not in element_text(html, "innehall")


def test_checklist_items_are_rendered_as_a_printed_checklist(client, app):
    html = client.get("/riktlinjer/grona-kortet-norrbus").get_data(as_text=True)
    checklist = app.extensions["guidance"].get().checklists["grona-kortet"]
    rendered = [re.sub(r"<[^>]+>", "", li) for li in re.findall(r'<li class="checklist__item">(.*?)</li>', html, re.S)]
    assert rendered == [item.text for item in checklist.items()]
    assert 'type="checkbox"' not in html  # ticking happens on the case page, not in the guideline


def test_headings_get_swedish_anchors_unique_and_linkable(client):
    html = client.get("/riktlinjer/norrbus-riktlinjer").get_data(as_text=True)
    assert '<h3 id="lansdelsniva">Länsdelsnivå</h3>' in html
    assert '<h2 id="samverkan-pa-lans-lansdels-och-kommunniva">' in html
    # The same heading twice gets two anchors.
    assert 'id="samordnad-individuell-plan-sip"' in html and 'id="samordnad-individuell-plan-sip_1"' in html
    # Each heading has a link to itself with an accessible name.
    assert ('<a class="heading-anchor" href="#lansdelsniva"><span aria-hidden="true">#</span>'
            '<span class="visually-hidden">Länk till avsnittet ”Länsdelsnivå”</span></a>') in html
    # The table of contents links to the anchors.
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group()
    assert '<a href="#lansdelsniva">Länsdelsnivå</a>' in toc
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "ids on the page are unique"


def test_first_use_of_glossary_terms_links_to_the_glossary_with_the_definition(client):
    html = client.get("/riktlinjer/norrbus-riktlinjer").get_data(as_text=True)
    body = re.search(r'<div class="guideline-body">(.*?)<section class="term-section"', html, re.S).group(1)
    # "socialtjänstlagen" (an alias of SoL) first occurs in running text: linked once.
    link = '<a aria-describedby="begrepp-sol" class="term" href="/ordlista/#sol">socialtjänstlagen</a>'
    assert body.count('href="/ordlista/#sol"') == 1 and link in body
    # The description is the definition, on the same page.
    assert re.search(r'<dd id="begrepp-sol">Lagen som reglerar socialtjänsten\.', html)
    # Every aria-describedby points at an element on the page.
    for target in re.findall(r'aria-describedby="([^"]+)"', body):
        assert f'id="{target}"' in html
    # Never inside headings or links.
    for heading in re.findall(r"<h[2-6][^>]*>.*?</h[2-6]>", body, re.S):
        assert "/ordlista/" not in heading
    assert not re.search(r"<a [^>]*>[^<]*<a ", body)
    # Whole words only: "SIP" inside "SIP-…" is fine, but not inside another word.
    assert "class=\"term\" href=\"/ordlista/#hvb\">hem för vård eller boende</a>" in body


def test_glossary_matching_is_case_insensitive_whole_word_and_longest_first():
    from portal.guidance.markdown_ext import GlossaryMatcher, render

    matcher = GlossaryMatcher([("nätverksmöte", "natverksmote"), ("SIP", "sip"),
                               ("samordnad individuell plan", "sip"), ("individuell plan", "individuell-plan"),
                               ("SoL", "sol")])
    result = render("## Nätverksmöte\n\nEtt NÄTVERKSMÖTE och nätverksmötena. En samordnad\nindividuell plan "
                    "och en individuell plan. Solen sken, sol och SoL. [SIP](/ordlista/) och SIP.", glossary=matcher)
    html = result.html
    assert '<h2 id="natverksmote">Nätverksmöte</h2>' in html          # headings untouched
    assert 'href="/ordlista/#natverksmote">NÄTVERKSMÖTE</a>' in html   # case-insensitive, first use only
    assert "nätverksmötena" in html and html.count("/ordlista/#natverksmote") == 1
    assert 'href="/ordlista/#sip">samordnad\nindividuell plan</a>' in html   # longest phrase, across a line break
    assert 'href="/ordlista/#individuell-plan">individuell plan</a>' in html
    assert "Solen sken, sol och <a" in html                            # abbreviations keep their case
    assert 'href="/ordlista/#sol">SoL</a>' in html
    assert '<a href="/ordlista/">SIP</a> och SIP.</p>' in html          # links untouched, SIP already explained
    assert result.terms == {"natverksmote": "natverksmote", "sip": "natverksmote",
                            "individuell-plan": "natverksmote", "sol": "natverksmote"}


def test_markdown_is_rendered_without_raw_html_or_unsafe_attributes():
    from portal.guidance.markdown_ext import render

    html = render(
        "## Rubrik\n\n<script>alert(1)</script>\n\nText <b onclick=\"x()\">fet</b> och "
        "[länk](javascript:alert(1)) och [bra](norrbus-riktlinjer.md#samordnare).\n\n"
        "Stycke med attribut\n{: #eget onclick=\"x()\" style=\"color:red\" .klass }\n\n"
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n").html
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b" not in html and "&lt;b onclick" in html
    assert "javascript:" not in html and "<span>länk</span>" in html
    assert '<a href="/riktlinjer/norrbus-riktlinjer#samordnare">bra</a>' in html
    assert '<p class="klass" id="eget">Stycke med attribut</p>' in html
    assert "onclick=" not in html.replace("&lt;b onclick", "") and "style=" not in html
    assert '<th class="align-left" scope="col">a</th>' in html and 'class="align-right"' in html


def test_swedish_slugs_and_sorting():
    from portal.guidance.text import fold, slugify, sort_key

    assert slugify("Länsdelsnivå") == "lansdelsniva"
    assert slugify("8. Förbered") == "8-forbered"
    assert slugify("Samordnad planering – nätverksmöte") == "samordnad-planering-natverksmote"
    assert slugify("Innehåll") == "innehall-avsnitt"      # the page layout's own id is never reused
    assert fold("Ärende ÅÖ é") == "arende ao e" and len(fold("Ärende")) == len("Ärende")
    words = ["Ödla", "Zebra", "Ål", "Äpple", "apa", "Éclair", "Bil"]
    assert sorted(words, key=sort_key) == ["apa", "Bil", "Éclair", "Zebra", "Ål", "Äpple", "Ödla"]


def test_content_is_parsed_once_and_shared(app_factory):
    first = app_factory()
    second = app_factory()
    assert first.extensions["guidance"].get() is second.extensions["guidance"].get()


def test_a_broken_content_file_stops_start_up_naming_file_and_line(app_factory, tmp_path):
    from portal.guidance.content import ContentError

    content = copy_content(tmp_path)
    path = content / "guidelines" / "grona-kortet-norrbus.md"
    path.write_text(path.read_text(encoding="utf-8").replace("order: 2\n", "order: två\n"), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        app_factory(PORTAL_CONTENT_DIR=content)
    assert info.value.path.endswith("guidelines/grona-kortet-norrbus.md")
    assert info.value.line == 8
    assert "'order' ska vara ett heltal" in str(info.value)
    assert "rad 8" in str(info.value)


def test_bad_yaml_names_the_line(app_factory, tmp_path):
    from portal.guidance.content import ContentError

    content = copy_content(tmp_path)
    path = content / "roles.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[10] = '    name: "Skolan'  # an unclosed quote
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        app_factory(PORTAL_CONTENT_DIR=content)
    assert info.value.path.endswith("roles.yaml") and "ogiltig YAML" in str(info.value)
    assert info.value.line is not None and 11 <= info.value.line <= 14


def test_the_cli_refuses_to_start_with_broken_content(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from portal.cli import cli

    content = copy_content(tmp_path)
    (content / "glossary.yaml").write_text("terms:\n  - term: SIP\n    slug: sip\n", encoding="utf-8")
    monkeypatch.setenv("PORTAL_CONTENT_DIR", str(content))
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    result = CliRunner().invoke(cli, ["routes"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Innehållet kan inte publiceras: content/glossary.yaml, rad 2" in result.output


@pytest.mark.parametrize("setting", ["PORTAL_DEV_RELOAD_CONTENT", "DEBUG"])
def test_changed_files_are_re_read_in_development_and_a_bad_edit_never_breaks_pages(app_factory, tmp_path, setting):
    import os

    content = copy_content(tmp_path)
    app = app_factory(PORTAL_CONTENT_DIR=content, **{setting: True})
    client = app.test_client()
    path = content / "guidelines" / "grona-kortet-ostra-norrbotten.md"
    original = path.read_text(encoding="utf-8")
    assert "Sjunde steget" not in client.get("/riktlinjer/grona-kortet-ostra-norrbotten").get_data(as_text=True)

    path.write_text(original + "\n## Sjunde steget\n\nEtt tillägg.\n", encoding="utf-8")
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))
    html = client.get("/riktlinjer/grona-kortet-ostra-norrbotten").get_data(as_text=True)
    assert '<h2 id="sjunde-steget">Sjunde steget</h2>' in html

    path.write_text(original.replace("title:", "titel:"), encoding="utf-8")
    os.utime(path, ns=(1, 3_000_000_000_000_000_000))
    response = client.get("/riktlinjer/grona-kortet-ostra-norrbotten")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sjunde steget" in html      # the last good version
    assert "Innehållet har fel och visas i sin senaste fungerande version." in html
    assert "grona-kortet-ostra-norrbotten.md" in html


def test_without_development_reload_the_content_is_not_re_read(app_factory, tmp_path):
    import os

    content = copy_content(tmp_path)
    app = app_factory(PORTAL_CONTENT_DIR=content, PORTAL_DEV_RELOAD_CONTENT=False)
    client = app.test_client()
    path = content / "guidelines" / "grona-kortet-ostra-norrbotten.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## Sjunde steget\n", encoding="utf-8")
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))
    assert "Sjunde steget" not in client.get("/riktlinjer/grona-kortet-ostra-norrbotten").get_data(as_text=True)
