"""A trigram index on the nodes' names for the type-ahead pickers (#11 item 3, ADR 0023).

The pickers search names by substring (`name LIKE '%司法局%'`), which no B-tree serves; on
PostgreSQL a GIN index over pg_trgm's trigrams does, for queries of three characters or
more. SQLite (development, tests) has no such index and keeps the scan: nothing to do there."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS orgnode_name_trgm
  ON organisations_orgnode USING gin (name gin_trgm_ops);
"""

# The extension stays: other indexes may use it by then.
DROP = "DROP INDEX IF EXISTS orgnode_name_trgm;"


def _on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
