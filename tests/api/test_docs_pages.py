"""Swagger UI and ReDoc work offline, checked without a browser: every asset their pages load is one
this server serves, and the schema they render lists the API's operations.

tests/browser/test_api_pages.py renders the same pages in Chromium (make test); this is the fast
lane's cheap stand-in for what can be read from the HTML.
"""

from __future__ import annotations

import re

import pytest

# Operations the schema documents; the docs pages must list at least these many.
MIN_OPERATIONS = 40
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
ASSET_LINK = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
SCHEMA_LINK = re.compile(r"""url\s*[:=]\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_only_assets_this_server_serves(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET_LINK.findall(html)
    assert assets, "the page loads its viewer from somewhere"
    for asset in assets:
        assert asset.startswith("/static/"), f"{page} loads {asset} from outside this server"
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content)
    assert "http://" not in html and "https://" not in html


def test_the_schema_the_docs_render_lists_the_operations(client):
    schema_url = SCHEMA_LINK.findall(client.get("/api/redoc/").content.decode())
    assert schema_url == ["/api/schema/"]
    response = client.get(schema_url[0], HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    operations = [method for item in paths.values() for method in item if method in HTTP_METHODS]
    assert len(operations) >= MIN_OPERATIONS
