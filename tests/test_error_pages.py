"""Unknown API routes answer in the API's JSON error shape; other paths keep Django's pages."""


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {
        "error": "No API endpoint at /api/no-such-thing; see /api/docs/ for the routes.",
        "code": "not_found",
        "details": {},
    }


def test_unknown_page_outside_the_api_is_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
