def test_start_page_is_swedish_and_shows_the_ways_in(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in html
    for way in ("Läs riktlinjerna", "Skriv under ett samtycke", "Rapportera en avvikelse", "Mina ärenden", "Min inkorg"):
        assert way in html
