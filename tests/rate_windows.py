"""The rate limit counts in fixed clock windows; tests needing one window start a fresh one."""

import time


def start_of_a_fresh_window(period: int = 60, margin: float = 5.0) -> int:
    """Sleep into the next rate window if this one ends within `margin` seconds; its number.

    Without this a test that sends two requests under "1/min" fails whenever they straddle
    a minute boundary (the second lands in a new window and is allowed).
    """
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.05)
    return int(time.time() // period)
