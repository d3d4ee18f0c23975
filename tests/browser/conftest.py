"""Browser tests' fixtures: Debian's Chromium driven by Playwright (tests/browser/browsing.py
has the rest). Skipped where Chromium is not installed (a machine with only Python); CI
installs it (`apt-get install -y chromium`) and runs these.
"""

import os

import pytest

from phonenumbers_app.vocabularies import WarmupHealthState
from tests.browser.browsing import CHROMIUM, PASSWORD, SCREENSHOTS
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory


@pytest.fixture(scope="module", autouse=True)
def _sync_playwright_beside_django():
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by
    # the test itself are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Chromium reports what the Content-Security-Policy blocked on the console.
        violations: list[str] = []
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        yield page
        context.close()
        browser.close()
        assert not violations, violations


@pytest.fixture
def inventory():
    staff = UserFactory(
        username="operator",
        first_name="Olive",
        last_name="Operator",
        is_staff=True,
        is_superuser=True,
    )
    staff.set_password(PASSWORD)
    staff.save()
    business = BusinessFactory(name="Acme Roofing")
    warming = PhoneNumberFactory(
        business=business,
        name="Front desk",
        warmup_enabled=True,
        warmup_state=WarmupHealthState.WARMING,
        health_status=WarmupHealthState.HEALTHY,
        warmup_health_score=91,
        warmup_progress_percent=45,
    )
    for index in range(3):
        PhoneNumberFactory(business=business, name=f"Sales {index}")
    PhoneNumberFactory(
        business=business,
        name="Complaints",
        health_status=WarmupHealthState.NEEDS_ATTENTION,
        health_reason="Delivery rate 71%",
    )
    for _ in range(4):
        PhoneNumberFactory(name="Stock")
    admin_target = PhoneNumberFactory(
        business=business,
        name="Admin target",
        warmup_enabled=True,
        warmup_state=WarmupHealthState.WARMING,
    )
    return {"warming": warming, "admin_target": admin_target}
