"""Every HTML page carries a Content-Security-Policy that allows no inline script or style,
and no page needs one: the operator pages, the admin's, the API docs, the problem pages."""

from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from core.problems import PROBLEM_TYPES
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db

# Script types a browser runs; a JSON data block (admin's, json_script) is not run.
EXECUTABLE = {None, "", "text/javascript", "application/javascript", "module"}


class _Inline(HTMLParser):
    """Finds what a policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") in EXECUTABLE:
            self.found.append(f"inline <script> {attributes}")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            if name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            if name in ("href", "src", "action") and (value or "").startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_and_needed_by_nothing_inline(response) -> None:
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS), response
    assert response["Content-Type"].startswith("text/html")
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    parser = _Inline()
    parser.feed(response.content.decode())
    assert not parser.found, parser.found


@pytest.fixture
def number(business):
    return PhoneNumberFactory(business=business)


def ops_pages(number) -> list[str]:
    return [
        reverse("ops:dashboard"),
        reverse("ops:numbers"),
        reverse("ops:numbers") + "?inventoryState=Assigned",
        reverse("ops:number", args=[number.pk]),
        reverse("ops:number-action", args=[number.pk, "release"]),
        reverse("ops:number-action", args=[number.pk, "pause-warmup"]),
        reverse("ops:number-action", args=[number.pk, "move"]),
        reverse("ops:business", args=[number.business_id]),
        reverse("ops:businesses"),
    ]


def admin_pages(number) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:phonenumbers_app_phonenumber_changelist"),
        reverse("admin:phonenumbers_app_phonenumber_changelist") + "?business=x",
        reverse("admin:phonenumbers_app_phonenumber_change", args=[number.pk]),
        reverse("admin:phonenumbers_app_phonenumber_add"),
        reverse("admin:phonenumbers_app_phonenumberevent_changelist"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:password_change"),
    ]


def test_operator_pages(admin_client, number):
    for url in ops_pages(number):
        assert_strict_and_needed_by_nothing_inline(admin_client.get(url))


def test_admin_pages(admin_client, number):
    for url in admin_pages(number):
        assert_strict_and_needed_by_nothing_inline(admin_client.get(url))


def test_admin_action_confirmation_pages(admin_client, number):
    for action in ("release", "pause_warmup", "move_to_state"):
        response = admin_client.post(
            reverse("admin:phonenumbers_app_phonenumber_changelist"),
            {"action": action, "_selected_action": [str(number.pk)]},
        )
        assert_strict_and_needed_by_nothing_inline(response)


def test_login_and_lockout_pages(client, settings):
    assert_strict_and_needed_by_nothing_inline(client.get(reverse("admin:login")))
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("admin:login"), {"username": "x", "password": attempt})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert_strict_and_needed_by_nothing_inline(response)


def test_api_docs_and_its_init_script_from_this_server():
    client = Client()
    page = client.get("/docs")
    assert_strict_and_needed_by_nothing_inline(page)

    script = client.get("/docs?script=")

    assert script.status_code == HTTPStatus.OK
    assert script["Content-Type"].startswith("application/javascript")
    assert b'"/openapi.json"' in script.content


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES)[:3])
def test_problem_type_pages(slug):
    assert_strict_and_needed_by_nothing_inline(Client().get(f"/problems/{slug}"))
