"""The status answer's stats window (warmup.status.stats_window), with `today` fixed."""

from __future__ import annotations

from datetime import date

import pytest

from warmup.status import StatsWindow, WindowInvalid, stats_window

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, StatsWindow(date(2026, 3, 4), TODAY)),
        ({"window_days": 1}, StatsWindow(TODAY, TODAY)),
        ({"window_days": 90}, StatsWindow(date(2025, 12, 11), TODAY)),
        ({"end_date": date(2026, 2, 28)}, StatsWindow(date(2026, 2, 22), date(2026, 2, 28))),
        (
            {"end_date": date(2026, 3, 1), "window_days": 2},
            StatsWindow(date(2026, 2, 28), date(2026, 3, 1)),
        ),
        (
            {"start_date": date(2026, 2, 27), "window_days": 3},
            StatsWindow(date(2026, 2, 27), date(2026, 3, 1)),
        ),
        ({"start_date": date(2026, 3, 1)}, StatsWindow(date(2026, 3, 1), TODAY)),
        ({"start_date": TODAY}, StatsWindow(TODAY, TODAY)),
        (
            {"start_date": date(2026, 1, 1), "end_date": date(2026, 3, 31)},
            StatsWindow(date(2026, 1, 1), date(2026, 3, 31)),
        ),
        (
            {"start_date": date(2026, 3, 1), "end_date": date(2026, 3, 3), "window_days": 3},
            StatsWindow(date(2026, 3, 1), date(2026, 3, 3)),
        ),
        # A window in the future is allowed: it has no traffic yet.
        (
            {"start_date": date(2026, 4, 1), "end_date": date(2026, 4, 2)},
            StatsWindow(date(2026, 4, 1), date(2026, 4, 2)),
        ),
    ],
)
def test_the_parameters_describe_a_window(given, expected):
    assert stats_window(today=TODAY, **given) == expected


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"window_days": 0}, "windowDays"),
        ({"window_days": 91}, "windowDays"),
        ({"start_date": date(2026, 3, 11)}, "startDate"),  # after today, no end
        ({"start_date": date(2025, 12, 10)}, "startDate"),  # 91 days to today
        ({"start_date": date(2026, 3, 2), "end_date": date(2026, 3, 1)}, "startDate"),
        ({"start_date": date(2026, 1, 1), "end_date": date(2026, 4, 1)}, "startDate"),
        (
            {"start_date": date(2026, 3, 1), "end_date": date(2026, 3, 3), "window_days": 2},
            "windowDays",
        ),
        ({"start_date": date(1999, 12, 31)}, "startDate"),
        ({"end_date": date(3000, 1, 1)}, "endDate"),
        ({"end_date": date.max}, "endDate"),
        ({"start_date": date.min, "window_days": 5}, "startDate"),
    ],
)
def test_a_bad_window_names_the_parameter(given, field):
    with pytest.raises(WindowInvalid) as raised:
        stats_window(today=TODAY, **given)

    assert field in raised.value.errors


def test_every_bad_parameter_is_named_at_once():
    with pytest.raises(WindowInvalid) as raised:
        stats_window(today=TODAY, window_days=0, start_date=date.min, end_date=date.max)

    assert set(raised.value.errors) == {"windowDays", "startDate", "endDate"}


def test_the_days_of_a_window_are_each_of_its_eastern_dates():
    window = StatsWindow(date(2026, 2, 27), date(2026, 3, 2))

    assert window.days == 4
    assert list(window.each_day()) == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
    ]
