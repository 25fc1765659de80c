"""The floor apps of ``bench.post_floor`` answer as the consent API does (pure: no server)."""

from __future__ import annotations

from werkzeug.test import Client

from bench import post_floor, post_floor_app


def test_the_bare_wsgi_floor_answers_like_the_flask_one() -> None:
    rows: list[dict[str, object]] = []
    beside = Client(post_floor_app._beside(rows.extend))
    flask = post_floor_app._app("flask", rows.extend).test_client()
    body = {"consent_id": "c0nsent", "site": "s", "granted": ["analytics"]}
    for client in (beside, flask):
        answer = client.post("/", json=body)
        assert (answer.status_code, answer.get_json()) == (
            201,
            {"consent_id": "c0nsent", "granted": ["analytics"]},
        )
        for bad in ("nope", "[1]", ""):
            refused = client.post("/", data=bad, content_type="application/json")
            assert refused.status_code == 400
        assert client.get("/").status_code == 200
    assert rows == [body, body]  # one row each, and none for a refused body


def test_every_floor_names_an_app_of_the_module() -> None:
    for _name, app in post_floor.FLOORS:
        assert callable(getattr(post_floor_app, app))
