"""Background work of providers; Celery finds tasks here (autodiscovery imports this
module), each area's in its own module."""

from providers.order_tasks import *  # noqa: F403
from providers.reconcile_tasks import *  # noqa: F403
from providers.release_tasks import *  # noqa: F403
from providers.webhooks.tasks import *  # noqa: F403
