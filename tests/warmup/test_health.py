"""Health from a window of signals: score, status, and a reason a person can act on."""

from phonenumbers_app.vocabularies import WarmupHealthState as W
from warmup.health import Signals, assess
from warmup.models import WarmupPlan

PLAN = WarmupPlan(name="Standard")
WINDOW = "the last 7 days"


def judge(**signals):
    return assess(Signals(**signals), PLAN, window=WINDOW)


def test_clean_traffic_is_healthy_with_a_full_score():
    health = judge(sent=200, delivered=198, failed=2, recipients=180)
    assert (health.status, health.score, health.breach) == (W.HEALTHY, 100, None)
    assert health.reason == "Delivery 99% of 200 messages over the last 7 days"


def test_too_little_traffic_is_not_judged_and_keeps_the_score():
    health = judge(sent=12, delivered=12, recipients=12)
    assert (health.status, health.score, health.breach) == (W.NOT_STARTED, None, None)
    assert "12 of 20 messages" in health.reason


def test_delivery_below_target_needs_attention():
    health = judge(sent=100, delivered=92, failed=8, recipients=100)
    assert health.status == W.NEEDS_ATTENTION and health.breach is None
    assert health.reason == "Delivery rate fell to 92% over the last 7 days (target 95%)"
    assert health.score == 94  # 100 - 2 x 3 points below target


def test_delivery_below_the_pause_threshold_is_a_breach():
    health = judge(sent=100, delivered=81, failed=19, recipients=100)
    assert health.status == W.BLOCKED
    # failures (19%) also crossed their limit; delivery is named first as the simpler fact
    assert health.breach.startswith("Delivery rate fell to 81% over the last 7 days (target 95%")


def test_carrier_rejections_are_named_as_carrier_filtering():
    health = judge(sent=250, delivered=230, rejected=20, recipients=240)
    assert health.status == W.BLOCKED
    assert health.breach == (
        "Carrier rejections at 8% of 250 messages over the last 7 days (limit 5%): "
        "carriers are filtering this number"
    )


def test_opt_outs_are_a_share_of_distinct_contacts_not_of_messages():
    # 6 opt-outs from 100 people messaged 300 times: 6%, above the 5% limit.
    health = judge(sent=300, delivered=300, opt_outs=6, recipients=100)
    assert health.breach == "Opt-outs at 6% of 100 contacts over the last 7 days (limit 5%)"


def test_some_opt_outs_need_attention_before_they_pause():
    health = judge(sent=100, delivered=100, opt_outs=3, recipients=100)
    assert health.status == W.NEEDS_ATTENTION and health.breach is None
    assert health.score == 80  # 100 - 10 x (3% - 1%)


def test_spam_reports_pause_even_on_little_traffic():
    health = judge(sent=5, delivered=5, spam_reports=3, recipients=5)
    assert health.status == W.BLOCKED
    assert health.breach.startswith("3 spam reports over the last 7 days (limit 3)")


def test_score_never_leaves_0_to_100():
    assert judge(sent=100, rejected=100, spam_reports=2, opt_outs=50, recipients=50).score == 0
