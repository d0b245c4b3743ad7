"""Audit rows protected at the database level on PostgreSQL (#17 item 3, ADR 0025).

A trigger refuses every DELETE of an audit row or a seal (unless the transaction declared a
purge with `SET LOCAL civtrain.audit_purge = 'on'`: core.audit_chain.audit_purge_declare), any UPDATE of an audit row's
evidence (every column but org_path, the subtree index that moves with its org node), and
any change of a seal once set. TRUNCATE is left alone: it needs the table owner, which is
the deployment's migration role, and the chain (verify-audit) catches it. SQLite, the
embedded default, has no such guard; there the chain alone tells.
"""

from django.db import migrations

EVIDENCE = (
    "id, at, actor_id, actor_label, ip_address, action, object_type, object_id, "
    "object_label, changes"
)

CREATE = f"""
CREATE OR REPLACE FUNCTION civtrain_audit_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- The one way to remove rows: a transaction that says so (SET LOCAL), as the retention
    -- archive and the benchmarks' clean-up do. Any hole it leaves shows in verify-audit.
    IF current_setting('civtrain.audit_purge', true) = 'on' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records cannot be deleted (%, id %)', TG_TABLE_NAME, OLD.id;
  END IF;
  IF TG_TABLE_NAME <> 'core_auditevent' THEN
    RAISE EXCEPTION 'audit seals and archives cannot be changed (%, id %)', TG_TABLE_NAME, OLD.id;
  END IF;
  IF ROW({', '.join('NEW.' + c.strip() for c in EVIDENCE.split(','))})
     IS DISTINCT FROM ROW({', '.join('OLD.' + c.strip() for c in EVIDENCE.split(','))}) THEN
    RAISE EXCEPTION 'audit evidence cannot be changed (id %)', OLD.id;
  END IF;
  IF OLD.seal_seq IS NOT NULL
     AND ROW(NEW.seal_seq, NEW.seal_hash) IS DISTINCT FROM ROW(OLD.seal_seq, OLD.seal_hash) THEN
    RAISE EXCEPTION 'an audit seal cannot be changed (id %)', OLD.id;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS civtrain_audit_guard ON core_auditevent;
CREATE TRIGGER civtrain_audit_guard BEFORE UPDATE OR DELETE ON core_auditevent
  FOR EACH ROW EXECUTE FUNCTION civtrain_audit_guard();
DROP TRIGGER IF EXISTS civtrain_audit_guard ON core_auditseal;
CREATE TRIGGER civtrain_audit_guard BEFORE UPDATE OR DELETE ON core_auditseal
  FOR EACH ROW EXECUTE FUNCTION civtrain_audit_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS civtrain_audit_guard ON core_auditevent;
DROP TRIGGER IF EXISTS civtrain_audit_guard ON core_auditseal;
DROP FUNCTION IF EXISTS civtrain_audit_guard();
"""


def _on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the messages' % are PL/pgSQL's, not placeholders.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_chain")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
