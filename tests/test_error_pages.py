"""Errors answer people with a styled page in their language, and scripts with JSON."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import make_store


def test_a_missing_page_is_a_styled_404(client: FlaskClient) -> None:
    make_store(domain="demo.example.com", platform="demo")
    reply = client.get("/no-such-page")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 404 and reply.mimetype == "text/html"
    assert 'data-testid="error-page"' in page and "Page not found" in page
    assert 'href="/"' in page  # a way back


def test_an_htmx_or_json_caller_gets_json(client: FlaskClient) -> None:
    reply = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert reply.status_code == 404 and reply.json is not None and reply.json["error"] == 404
    reply = client.get("/automations/recipes/welcome", headers={"Accept": "application/json"})
    assert reply.status_code == 405 and reply.json["error"] == 405


def test_a_storefront_refusal_is_json_with_its_reason(client: FlaskClient) -> None:
    reply = client.get("/storefront/ping")
    assert reply.status_code == 401 and "app proxy" in reply.json["message"]


def test_a_thai_store_shows_the_error_page_in_thai(client: FlaskClient) -> None:
    make_store(domain="demo.example.com", platform="demo", settings={"language": "th"})
    reply = client.get("/automations/999999")  # a panel page: the store (and its language) is known
    assert reply.status_code == 404 and "ไม่พบหน้านี้" in reply.get_data(as_text=True)
