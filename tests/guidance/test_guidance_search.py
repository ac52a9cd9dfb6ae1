"""Search across guideline sections, roles and the glossary."""
from __future__ import annotations

import re
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def index():
    from portal.guidance.store import load_content
    from tests.helpers import ROOT

    return load_content(Path(ROOT / "content")).search


def _hits(html: str) -> list[tuple[str, str]]:
    """(href, visible heading) of each hit on the search page."""
    return [(href, re.sub(r"<[^>]+>", "", heading)) for href, heading in
            re.findall(r'<h3 class="search-result__title"><a href="([^"]+)">(.*?)</a></h3>', html, re.S)]


def test_part_of_a_compound_finds_the_compound(client):
    html = client.get("/sok", query_string={"q": "möte"}).get_data(as_text=True)
    marked = {m.lower() for m in re.findall(r"<mark>([^<]+)</mark>", html)}
    assert "nätverksmöte" in marked and "samverkansmöte" in marked
    hits = _hits(html)
    assert ("/ordlista/#natverksmote", "Nätverksmöte") in hits
    assert ("/ordlista/#samverkansmote", "Samverkansmöte") in hits
    assert any(href.startswith("/riktlinjer/kronoberg-samverkansmote-barnets-plan#") for href, _ in hits)
    assert any(href.startswith("/riktlinjer/grona-kortet-norrbus#") for href, _ in hits)


def test_a_without_ring_or_dots_finds_the_swedish_word(client):
    html = client.get("/sok", query_string={"q": "vardnadshavare"}).get_data(as_text=True)
    assert "<mark>vårdnadshavare</mark>" in html or "<mark>Vårdnadshavare</mark>" in html
    assert "Inga träffar" not in html
    html = client.get("/sok", query_string={"q": "lansdelsniva"}).get_data(as_text=True)
    hits = _hits(html)
    assert ("/riktlinjer/norrbus-riktlinjer#lansdelsniva", "Länsdelsnivå") == hits[0]


def test_hits_show_where_they_sit_and_link_to_the_anchor(client, app):
    html = client.get("/sok", query_string={"q": "planansvarig"}).get_data(as_text=True)
    hits = _hits(html)
    assert hits[0][1] == "Planansvarig"
    assert ("/riktlinjer/norrbus-riktlinjer#planansvarig", "Planansvarig") in hits
    assert ("/roller/#planansvarig", "Planansvarig") in hits
    assert ("/ordlista/#planansvarig", "Planansvarig") in hits
    assert ("Riktlinje: Norrbus – Gemensamma riktlinjer för samverkan kring barn och unga i Norrbotten, "
            "under rubriken ”Arbetsmodell för samverkan”") in html
    assert "Roller och ansvar: Roller i ett ärende" in html


def test_headings_and_terms_rank_above_passing_mentions(index):
    result = index.search("samordnare")
    top = [h.doc.url for h in result.hits[:3]]
    assert "/riktlinjer/norrbus-riktlinjer#samordnare" in top
    assert "/ordlista/#samordnare" in top or "/roller/#samordnare" in top
    assert result.hits[0].score > result.hits[-1].score


def test_every_word_must_match_when_possible(index):
    result = index.search("avvikelserapport rektor")
    assert result.all_words
    assert result.hits and all("rektor" in h.doc.text.lower() for h in result.hits)
    fallback = index.search("avvikelserapport zebrafink")
    assert not fallback.all_words and fallback.hits


def test_snippet_and_heading_escape_everything_but_the_marks(index):
    from portal.guidance.search import SearchDoc, SearchIndex

    doc = SearchDoc(kind="guideline", url="/x", title="T", heading="Rubrik <b>med</b> möte", path=[],
                    text='Text med <script>alert("möte")</script> & ett nätverksmöte.')
    result = SearchIndex([doc]).search("möte")
    snippet = str(result.hits[0].snippet)
    assert "<script>" not in snippet
    assert "&lt;script&gt;alert(&#34;<mark>möte</mark>&#34;)&lt;/script&gt; &amp; ett <mark>nätverksmöte</mark>." in \
        snippet.replace("&quot;", "&#34;")
    assert str(result.hits[0].heading) == "Rubrik &lt;b&gt;med&lt;/b&gt; <mark>möte</mark>"


def test_the_search_page_escapes_the_query(client):
    html = client.get("/sok", query_string={"q": '<img src=x onerror="alert(1)">möte'}).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


def test_empty_and_no_hit_queries_give_helpful_messages(client):
    html = client.get("/sok", query_string={"q": "   "}).get_data(as_text=True)
    assert "Du skrev inget att söka efter." in html
    html = client.get("/sok", query_string={"q": "xylofonorkester"}).get_data(as_text=True)
    assert "Inga träffar för ”xylofonorkester”" in html
    assert "söka på en del av ordet" in html
    html = client.get("/sok").get_data(as_text=True)
    assert "”möte” hittar både ”nätverksmöte” och ”samverkansmöte”" in html


def test_the_search_form_is_accessible_and_keeps_the_query(client):
    html = client.get("/sok", query_string={"q": "samtycke"}).get_data(as_text=True)
    form = re.search(r"<form[^>]*role=\"search\".*?</form>", html, re.S).group()
    assert '<label class="label" for="sok-q">Sök i riktlinjer, roller och ordlista</label>' in form
    assert 'value="samtycke"' in form and 'aria-describedby="sok-q-hint"' in form
    assert "<title>Sökresultat för ”samtycke” – Samverkansportalen</title>" in html
    assert re.search(r'<h2 id="sokresultat">\d+ träffar för ”samtycke”</h2>', html)


def test_stop_words_are_left_out_but_searchable_alone(index):
    result = index.search("vem och hur samordnare")
    assert result.words == ["samordnare"] and set(result.ignored) == {"vem", "och", "hur"}
    assert index.search("och").hits


def test_short_words_match_whole_words_only(index):
    from portal.guidance.search import match_weight

    assert match_weight("bu", "bu") == 1.0 and match_weight("bu", "bup") == 0.0
    assert match_weight("mote", "natverksmote") > 0 and match_weight("mote", "motet") > match_weight("mote", "natverksmote")
    assert {h.doc.url for h in index.search("BU").hits} >= {"/ordlista/#bu"}


def test_many_hits_say_how_many_there_are_and_how_many_are_shown(client, index):
    result = index.search("och")
    assert result.total > len(result.hits) == 50
    html = client.get("/sok", query_string={"q": "och"}).get_data(as_text=True)
    assert f'<h2 id="sokresultat">{result.total} träffar för ”och”</h2>' in html
    assert "Här visas de 50 bästa." in html
