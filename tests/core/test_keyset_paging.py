"""Keyset pages forward and back: every row once, in order, whichever way one walks."""

import pytest
from django.core.exceptions import ValidationError

from core.keyset import KeysetPage, parse_ordering
from phonenumbers_app.filters import PHONE_NUMBER_SORT_FIELDS
from phonenumbers_app.models import PhoneNumber
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


def _page(token=None, *, order="-createdAt", size=3):
    ordering = parse_ordering(order, allowed=PHONE_NUMBER_SORT_FIELDS, default="-createdAt")
    return KeysetPage(PhoneNumber.objects.all(), ordering=ordering, size=size, token=token)


@pytest.fixture
def eight_numbers():
    return [PhoneNumberFactory() for _ in range(8)]


@pytest.mark.parametrize("order", ["-createdAt", "number", "-warmupHealthScore"])
def test_walking_back_from_the_last_page_shows_the_same_pages(eight_numbers, order):
    forward = [_page(order=order)]
    while forward[-1].next_token:
        forward.append(_page(forward[-1].next_token, order=order))
    assert [len(page.items) for page in forward] == [3, 3, 2]
    assert forward[0].previous_token is None

    backward = [forward[-1]]
    while backward[-1].previous_token:
        backward.append(_page(backward[-1].previous_token, order=order))
    assert [[n.pk for n in page.items] for page in reversed(backward)] == [
        [n.pk for n in page.items] for page in forward
    ]


def test_going_back_near_the_start_shows_a_full_first_page(eight_numbers):
    first = _page(size=3)
    # A page starting one row in: going back from it must not show a one-row page.
    second = _page(KeysetPage.token_after(first.ordering, first.items[0]), size=3)
    back = _page(second.previous_token, size=3)
    assert [n.pk for n in back.items] == [n.pk for n in first.items]
    assert back.previous_token is None
    assert back.next_token is not None


def test_a_list_sorted_by_a_column_with_nulls_offers_no_way_back(eight_numbers):
    first = _page(order="-modifiedAt")
    second = _page(first.next_token, order="-modifiedAt")
    assert second.previous_token is None


def test_a_tampered_backward_token_is_refused(eight_numbers):
    second = _page(_page().next_token)
    with pytest.raises(ValidationError):
        _page(second.previous_token[:-2] + "xx")
