"""The lists' shared machinery: one 400 for every bad parameter, and the page-reading
hook the selectors provide (so how a page is read can change without the views)."""

from http import HTTPStatus

import pytest

from phonenumbers_app.api.views import PhoneNumberViewSet
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db


def test_events_report_bad_filters_and_paging_together(staff_client):
    number = PhoneNumberFactory()
    response = staff_client.get(
        f"/phone-numbers/{number.pk}/events",
        {"type": "nope", "pageSize": "0", "orderBy": "createdAt", "createdAtTo": ""},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    # orderBy: the events have one order, so it is an unknown parameter there.
    assert set(response.json()["errors"]) == {"type", "pageSize", "orderBy", "createdAtTo"}


def test_the_business_list_reads_paging_only_and_ignores_other_parameters(staff_client):
    BusinessFactory.create_batch(2)
    ok = staff_client.get("/businesses", {"pageSize": "1", "colour": "red", "orderBy": "x"})
    assert ok.status_code == HTTPStatus.OK and len(ok.json()["items"]) == 1
    bad = staff_client.get("/businesses", {"pageSize": "0", "includeCount": "maybe"})
    assert set(bad.json()["errors"]) == {"pageSize", "includeCount"}


def test_a_page_of_numbers_is_read_through_the_views_fetch_hook(staff_client, monkeypatch):
    PhoneNumberFactory.create_batch(3)
    fetched = []
    hook = PhoneNumberViewSet.fetch_page

    def recording(queryset):
        fetched.append(queryset.model.__name__)
        return hook(queryset)

    monkeypatch.setattr(PhoneNumberViewSet, "fetch_page", staticmethod(recording))
    get = staff_client.get("/phone-numbers", {"pageSize": "2"})
    post = staff_client.post("/phone-numbers/all/organization", {"pageSize": 2}, format="json")
    assert get.status_code == post.status_code == HTTPStatus.OK
    assert len(get.json()["items"]) == len(post.json()["items"]) == 2
    assert fetched == ["PhoneNumber", "PhoneNumber"]


@pytest.mark.parametrize("header", ['"stale"', "not-a-tag", '"a", "b"'])
def test_an_if_match_naming_no_current_version_is_412(staff_client, header):
    number = PhoneNumberFactory()
    response = staff_client.patch(
        f"/phone-numbers/{number.pk}", {"name": "N"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == HTTPStatus.PRECONDITION_FAILED


def test_if_match_lists_are_read_as_entity_tags(staff_client):
    number = PhoneNumberFactory()
    header = f'"other", {number.etag}, W/"weak"'
    response = staff_client.patch(
        f"/phone-numbers/{number.pk}", {"name": "N"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == HTTPStatus.OK
