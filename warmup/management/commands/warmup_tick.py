"""Run one pass of the warmup engine now, in this process (what beat's tick starts)."""

from django.core.management.base import BaseCommand

from warmup.engine import run_pass


class Command(BaseCommand):
    help = "Evaluate every number's warmup and health once, now (beat runs this on a schedule)."

    def handle(self, *args, **options) -> None:
        run = run_pass(trigger="command")
        self.stdout.write(
            f"Evaluated {run.evaluated:,} numbers in {run.duration_seconds:.1f} s: "
            f"{run.changed:,} changed ({run.started:,} started, {run.advanced:,} advanced, "
            f"{run.held:,} held, {run.paused:,} paused, {run.resumed:,} resumed, "
            f"{run.promoted:,} ready, {run.blocked:,} blocked)."
        )
