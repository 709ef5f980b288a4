import datetime as dt
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from gigbranch.core.models import PeriodicRun
from gigbranch.core.schedule import enqueue_due


class Command(BaseCommand):
    help = "Enqueue periodic jobs (heartbeat, sweeps) on their schedule; runs until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue what is due and exit")
        parser.add_argument("--interval", type=float, default=15.0)

    def handle(self, *args, once=False, interval=15.0, **options):
        while True:
            done = enqueue_due(timezone.now())
            if done:
                self.stdout.write(f"enqueued: {', '.join(done)}")
            cutoff = timezone.now() - dt.timedelta(days=2)
            PeriodicRun.objects.filter(enqueued_at__lt=cutoff).delete()
            if once:
                return
            time.sleep(interval)
