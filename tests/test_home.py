"""The bare site root sends a browser to the browsable API; other unknown paths stay 404."""


def test_site_root_redirects_to_the_api(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/api/"


def test_other_unknown_paths_are_not_redirected(client):
    for path in ("/index.html", "/home/", "/?next=/admin/x"):
        response = client.get(path)
        if path.startswith("/?"):
            assert response["Location"] == "/api/"  # the query string is not carried into the redirect
        else:
            assert response.status_code == 404
