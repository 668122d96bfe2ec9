"""A first look: the app starts on an empty database and answers its health check."""

from flask.testing import FlaskClient


def test_health_answers_ok(client: FlaskClient) -> None:
    """Given a fresh app, /health answers 200 without a store."""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
