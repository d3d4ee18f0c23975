"""The problem-type pages API errors link to show their Markdown as HTML, and every page
has the site's icon, /favicon.ico included."""

import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from core.markdown_text import markdown_html
from core.problems import PROBLEM_TYPES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
def test_a_problem_page_renders_its_markdown_as_html(slug):
    page = Client().get(f"/problems/{slug}").content.decode()

    description = re.search(r'<div class="description">(.*?)</div>', page, re.S)[1]
    assert description.strip().startswith("<p>")
    assert "`" not in description  # inline code became <code>, not left as backticks
    assert "<h2>All problem types</h2>" in page


def test_the_validation_error_page_shows_its_field_name_as_code():
    page = Client().get("/problems/validation-error").content.decode()

    assert "<code>errors</code> maps each field" in page


def test_markdown_shows_raw_html_and_unsafe_links_as_text():
    html = markdown_html("<script>alert(1)</script> and [x](javascript:alert(1)) `a<b`")

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "<code>a&lt;b</code>" in html


def test_favicon_ico_redirects_to_the_svg_icon():
    response = Client().get("/favicon.ico")

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"].endswith("favicon.svg")


def test_the_svg_icon_is_a_static_file():
    from django.contrib.staticfiles import finders

    icon = finders.find("favicon.svg")

    assert icon is not None
    assert Path(icon).read_text().startswith("<svg")


@pytest.mark.parametrize("url", ["/problems/validation-error", "/ops/", "/admin/"])
def test_pages_link_the_icon(admin_client, url):
    page = admin_client.get(url).content.decode()

    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg" type="image/svg\+xml">', page)


def test_the_login_page_links_the_icon():
    page = Client().get("/admin/login/").content.decode()

    assert 'rel="icon"' in page


def test_the_admin_pages_link_the_icon_once(admin_client):
    page = admin_client.get(reverse("admin:phonenumbers_app_phonenumber_changelist"))

    assert page.content.decode().count('rel="icon"') == 1
