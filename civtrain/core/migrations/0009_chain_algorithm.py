"""The audit chain's algorithm per row (#17 item 5, 国密 mode) and the guard's one exception
for a declared re-chain.

Every row records the hash that chained it (`seal_algorithm`: "sha256", or "sm3" under the
gm suite). The PostgreSQL guard of 0005 now also refuses a change of that column once the
row is sealed, except in a transaction that declared a re-chain with
`SET LOCAL civtrain.audit_rechain = 'on'` (core.audit_chain.audit_rechain, run by
`civtrain crypto-migrate`): there the seal columns of rows and the heads and signatures of
seals may be rewritten — never the evidence, and nothing may be deleted.
"""

from django.db import migrations, models

EVIDENCE = (
    "id, at, actor_id, actor_label, ip_address, action, object_type, object_id, "
    "object_label, changes"
)


def _row(prefix: str) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in EVIDENCE.split(","))


def _guard(seal_columns: tuple[str, ...], rechain: bool) -> str:
    new = ", ".join(f"NEW.{c}" for c in seal_columns)
    old = ", ".join(f"OLD.{c}" for c in seal_columns)
    allowed = (
        "coalesce(current_setting('civtrain.audit_rechain', true), '') = 'on'" if rechain else "false"
    )
    return f"""
CREATE OR REPLACE FUNCTION civtrain_audit_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF current_setting('civtrain.audit_purge', true) = 'on' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records cannot be deleted (%, id %)', TG_TABLE_NAME, OLD.id;
  END IF;
  IF TG_TABLE_NAME = 'core_auditseal' AND {allowed} THEN
    RETURN NEW;  -- a declared re-chain re-states and re-signs the seals' heads
  END IF;
  IF TG_TABLE_NAME <> 'core_auditevent' THEN
    RAISE EXCEPTION 'audit seals and archives cannot be changed (%, id %)', TG_TABLE_NAME, OLD.id;
  END IF;
  IF ROW({_row("NEW")}) IS DISTINCT FROM ROW({_row("OLD")}) THEN
    RAISE EXCEPTION 'audit evidence cannot be changed (id %)', OLD.id;
  END IF;
  IF OLD.seal_seq IS NOT NULL AND NOT ({allowed})
     AND ROW({new}) IS DISTINCT FROM ROW({old}) THEN
    RAISE EXCEPTION 'an audit seal cannot be changed (id %)', OLD.id;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


CREATE = _guard(("seal_seq", "seal_hash", "seal_algorithm"), rechain=True)
PREVIOUS = _guard(("seal_seq", "seal_hash"), rechain=False)  # 0005's


def _on_postgresql(sql):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_job_worker_heartbeat'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='seal_algorithm',
            field=models.CharField(db_default='sha256', default='sha256', max_length=8),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(PREVIOUS)),
    ]
