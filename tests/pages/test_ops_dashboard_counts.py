"""The dashboard's numbers add up: every bar counts exactly the rows of the list it links
to, each chart says what it counts, and "Needs attention" gives its total and its list."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.urls import reverse

from phonenumbers_app import selectors
from phonenumbers_app.models import PhoneNumber, TenDlc
from phonenumbers_app.vocabularies import (
    InventoryState,
    PhoneNumberStatus,
    TenDlcCampaignStatus,
    WarmupHealthState,
)
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

BAR = re.compile(r'<a href="([^"]+)" class="bar-link" aria-label="([^"]+): (\d+)">')
NUMBER_LINK = re.compile(r'href="/ops/numbers/[0-9a-f-]{36}/"')


def _campaign(number: PhoneNumber, status: str | None) -> PhoneNumber:
    TenDlc.objects.filter(phone_number=number).update(campaign_status=status)
    return number


@pytest.fixture
def mixed_inventory():
    """Pool stock, held numbers in several states, released numbers (still "Active",
    with an approved campaign), NULL warmup and health, campaigns missing, empty or
    absent, and numbers needing attention for each reason."""
    acme, globex = BusinessFactory(name="Acme Roofing"), BusinessFactory(name="Globex")
    for _ in range(3):
        PhoneNumberFactory(status=PhoneNumberStatus.UNREGISTERED)  # pool, Available
    for index in range(4):
        _campaign(
            PhoneNumberFactory(
                business=acme,
                status=PhoneNumberStatus.ACTIVE,
                warmup_state=WarmupHealthState.WARMING,
                health_status=WarmupHealthState.HEALTHY,
                name=f"Sales {index}",
            ),
            TenDlcCampaignStatus.APPROVED,
        )
    for _ in range(2):
        _campaign(
            PhoneNumberFactory(
                business=globex,
                inventory_state=InventoryState.RELEASED,
                status=PhoneNumberStatus.ACTIVE,
                enabled=False,
            ),
            TenDlcCampaignStatus.APPROVED,
        )
    PhoneNumberFactory(business=acme, warmup_state=None, health_status=None)
    PhoneNumberFactory(business=globex, warmup_state=None, health_status=None)
    _campaign(PhoneNumberFactory(business=globex), "")
    no_row = PhoneNumberFactory(business=globex, name="No 10DLC row")
    TenDlc.objects.filter(phone_number=no_row).delete()
    _campaign(PhoneNumberFactory(business=acme), "ProviderSaysMaybe")  # outside the vocabulary
    PhoneNumberFactory(
        business=acme,
        health_status=WarmupHealthState.BLOCKED,
        health_reason="Blocked: carrier filtering",
    )
    PhoneNumberFactory(
        business=acme,
        warmup_state=WarmupHealthState.PAUSED,
        warmup_pause_reason="Paused: opt-outs above 2%",
    )
    PhoneNumberFactory(business=globex, status=PhoneNumberStatus.FAILED_PROVISIONING)
    PhoneNumberFactory(business=globex, provider_error="number not portable")
    _campaign(PhoneNumberFactory(business=acme), TenDlcCampaignStatus.REJECTED)
    # Released numbers needing attention are not counted: they are not the list's.
    PhoneNumberFactory(
        business=acme,
        inventory_state=InventoryState.RELEASED,
        health_status=WarmupHealthState.BLOCKED,
        enabled=False,
    )
    return {"acme": acme, "globex": globex}


def _dashboard(client) -> str:
    cache.clear()  # the counts are cached for a minute: count this inventory, now
    return client.get(reverse("ops:dashboard")).content.decode()


def _bars(content: str) -> list[tuple[str, str, int]]:
    return [(html.unescape(url), label, int(n)) for url, label, n in BAR.findall(content)]


def _rows_listed(client, url: str) -> int:
    """The rows of the /ops numbers list at `url` (one page holds the whole inventory)."""
    body = client.get(f"{url}&pageSize=500").content.decode()
    table = body.split("<tbody>")[1].split("</tbody>")[0]
    return len(NUMBER_LINK.findall(table))


class TestEveryBarCountsTheRowsOfItsList:
    def test_each_bar_of_each_chart_counts_the_rows_of_the_list_it_links_to(
        self, admin_client, admin_user, mixed_inventory
    ):
        bars = _bars(_dashboard(admin_client))

        assert len(bars) >= 35  # five charts, every value of each
        for url, label, count in bars:
            query = QueryDict(urlsplit(url).query)
            listed = selectors.ops_number_list(user=admin_user, params=query).count()
            assert listed == count, f"{label}: bar {count}, list {listed} ({url})"

    def test_the_bars_rows_on_the_page_too(self, admin_client, mixed_inventory):
        bars = _bars(_dashboard(admin_client))

        for url, label, count in bars:
            assert _rows_listed(admin_client, url) == count, f"{label} ({url})"

    def test_charts_of_unreleased_numbers_add_up_to_the_same_total(
        self, admin_client, mixed_inventory
    ):
        cache.clear()
        counts, _ = selectors.recent_dashboard_counts()
        unreleased = PhoneNumber.objects.not_released().count()
        released = PhoneNumber.objects.filter(inventory_state=InventoryState.RELEASED).count()

        assert (counts.unreleased, counts.released) == (unreleased, released)
        assert sum(counts.charts["inventory_state"].values()) == unreleased + released
        for chart in ("status", "warmup_state", "health_status", "campaign_status"):
            assert sum(counts.charts[chart].values()) == unreleased, chart

    def test_each_chart_says_what_it_counts(self, admin_client, mixed_inventory):
        content = _dashboard(admin_client)

        figures = content.split('<figure class="chart">')[1:]
        assert "All numbers, released included" in figures[0]
        for figure in figures[1:]:
            assert "Unreleased numbers" in figure

    def test_null_states_and_missing_campaigns_have_a_bar_with_words_and_a_real_filter(
        self, admin_client, mixed_inventory
    ):
        bars = {label: (url, n) for url, label, n in _bars(_dashboard(admin_client))}

        assert bars["Warmup Not enrolled"] == ("/ops/numbers/?warmupState=NotEnrolled", 2)
        assert bars["Health Not assessed"] == ("/ops/numbers/?healthStatus=NotAssessed", 2)
        # "", NULL and no 10DLC row at all; the released numbers' approved campaigns are
        # not counted.
        url, not_registered = bars["10DLC campaign Not registered"]
        assert url == "/ops/numbers/?tenDlcCampaignStatus=NotRegistered"
        assert bars["10DLC campaign Approved"][1] == 4
        assert bars["Status Failed provisioning"][1] == 1
        assert bars["Status Active"][1] == 4  # the released "Active" numbers are not
        assert bars["Inventory state Released"][1] == 3
        assert not_registered == PhoneNumber.objects.not_released().count() - 4 - 1 - 1

    def test_a_cached_count_is_not_what_the_bars_are_checked_against(
        self, admin_client, admin_user, mixed_inventory
    ):
        _dashboard(admin_client)
        PhoneNumberFactory(business=mixed_inventory["acme"], status=PhoneNumberStatus.ACTIVE)

        stale = {label: n for _, label, n in _bars(admin_client.get("/ops/").content.decode())}
        fresh = {label: n for _, label, n in _bars(_dashboard(admin_client))}

        assert fresh["Status Active"] == stale["Status Active"] + 1


class TestCampaignFilterValue:
    def test_not_registered_is_a_filter_of_the_api_too(self, mixed_inventory, staff_client):
        response = staff_client.get(
            "/phone-numbers", {"tenDlcCampaignStatus": "NotRegistered", "pageSize": 500}
        )

        assert response.status_code == 200
        items = response.json()["items"]
        assert "No 10DLC row" in {item["name"] for item in items}
        assert {item["tenDlc"]["campaignStatus"] for item in items} <= {None, ""}

    def test_a_vocabulary_status_still_filters_exactly(self, admin_user, mixed_inventory):
        listed = selectors.ops_number_list(
            user=admin_user, params=QueryDict("tenDlcCampaignStatus=ProviderSaysMaybe")
        )

        assert listed.count() == 1


class TestNeedsAttention:
    def test_shows_its_total_and_links_to_the_full_list(
        self, admin_client, admin_user, mixed_inventory
    ):
        content = _dashboard(admin_client)
        expected = PhoneNumber.objects.not_released().filter(selectors.NEEDS_ATTENTION).count()

        assert f"{expected} numbers need attention" in content
        link = re.search(r'<a href="([^"]+)" id="attention-all">', content).group(1)
        assert link == "/ops/numbers/?needsAttention=true"
        assert _rows_listed(admin_client, link) == expected == 5

    def test_shows_how_many_of_them_it_lists(self, admin_client, business, monkeypatch):
        monkeypatch.setattr("phonenumbers_app.pages.dashboard.ATTENTION_SHOWN", 2)
        for _ in range(3):
            PhoneNumberFactory(business=business, health_status=WarmupHealthState.BLOCKED)

        content = _dashboard(admin_client)

        assert "3 numbers need attention" in content
        assert "showing the 2 most recently changed" in content

    def test_the_total_is_bounded(self, business):
        for _ in range(3):
            PhoneNumberFactory(business=business, health_status=WarmupHealthState.BLOCKED)

        assert selectors.needs_attention_count(bound=2) == 3  # "2+": counting stopped

    def test_the_total_says_plus_beyond_the_bound(self):
        from phonenumbers_app.pages.dashboard import _bounded

        assert (_bounded(37), _bounded(10_000), _bounded(10_001)) == ("37", "10,000", "10,000+")

    def test_a_bad_value_is_an_error_not_everything(self, admin_client):
        response = admin_client.get("/ops/numbers/", {"needsAttention": "yes"})

        assert "Must be true" in response.content.decode()


class TestReasonsSayEachThingOnce:
    @pytest.mark.parametrize(
        ("fields", "reason"),
        [
            (
                {"health_status": "Blocked", "health_reason": "Blocked: carrier filtering"},
                "Health blocked: carrier filtering",
            ),
            (
                {"health_status": "Needs Attention", "health_reason": "Delivery rate 71%"},
                "Health needs attention: Delivery rate 71%",
            ),
            (
                {"warmup_state": "Paused", "warmup_pause_reason": "paused - opt-outs"},
                "Warmup paused: opt-outs",
            ),
            ({"warmup_state": "Blocked", "warmup_pause_reason": None}, "Warmup blocked"),
            ({"status": "FailedProvisioning"}, "Status failed provisioning"),
        ],
    )
    def test_the_state_is_not_repeated_by_its_detail(self, business, fields, reason):
        number = PhoneNumberFactory(business=business, **fields)

        assert selectors.attention_reasons(number) == [reason]

    def test_no_reason_on_the_dashboard_repeats_itself(self, admin_client, mixed_inventory):
        content = _dashboard(admin_client)

        reasons = re.findall(r"<li>([^<]+)</li>", content.split('class="reasons"', 1)[1])
        assert reasons
        for reason in reasons:
            assert not re.search(r"\b(\w+)\W+\1\b", reason.lower()), reason


def test_a_worker_counts_the_charts_ahead_of_the_views(admin_client, settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from phonenumbers_app import tasks

    cache.delete(selectors.DASHBOARD_COUNTS_KEY)
    PhoneNumberFactory()
    tasks.refresh_dashboard_counts()  # as beat has a worker do, every 30 s
    PhoneNumberFactory()

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("ops:dashboard"))

    assert response.context["charts"][0].total == 1  # the worker's count, not a new one
    assert not [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
