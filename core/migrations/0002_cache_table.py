"""The database cache's table (rate limits), created by migrate so no extra step is needed."""

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import migrations
from django.utils.module_loading import import_string


def create_cache_table(apps, schema_editor):
    # A no-op when the configured cache is not the database (e.g. REDIS_URL is set).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)
    if schema_editor.connection.vendor != "postgresql":
        return
    for cache in settings.CACHES.values():
        if issubclass(import_string(cache["BACKEND"]), DatabaseCache):
            # A cache may lose its contents in a crash; skipping the WAL saves every
            # request that counts a rate limit a synchronous commit.
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(cache['LOCATION'])} SET UNLOGGED"
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
