"""Issue 29: text over a limit is never cut by the browser. Pasted text stays as it was, the
character count tells how much is too much, and the server refuses it with a message next to the
field and in the error summary (the GOV.UK character-count pattern)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_pasted_text_over_the_limit_is_kept_counted_and_refused(role_context):
    page = role_context("staff").new_page()
    try:
        page.goto("/avvikelser/ny")
        area = page.locator("#description__reason")
        group = page.locator(".form-group", has=area)
        expect(group.locator(".character-count__message")).to_have_text("Du kan skriva högst 4000 tecken.")
        pasted = "Lång text. " * 369 + "Slut."   # 4 064 characters, as pasted from another system
        area.focus()
        page.keyboard.insert_text(pasted)   # like a paste: goes through the browser's editing, which honours maxlength
        expect(area).to_have_value(pasted)
        expect(group.locator("[data-character-count-status]")).to_have_text("Du har 64 tecken för mycket")
        page.get_by_role("button", name="Fortsätt till granskning").click()
        message = "får vara högst 4000 tecken"
        expect(page.locator(".error-summary")).to_contain_text(message)
        expect(page.locator("#description__reason-error")).to_contain_text(message)
        expect(area).to_have_value(pasted)
    finally:
        page.context.close()
