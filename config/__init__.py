# The Celery app is loaded with Django, so that @shared_task tasks bind to it and
# sending a task from a view or a command uses its broker (Celery's Django recipe).
from .celery import app as celery_app

__all__ = ("celery_app",)
