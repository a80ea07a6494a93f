"""The Django admin carries the project's branding and works for staff users."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_branded(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"Ambient control plane" in response.content


def test_staff_user_reaches_the_admin_index(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


def test_non_staff_user_is_sent_to_login(client):
    client.force_login(UserFactory(is_staff=False))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
