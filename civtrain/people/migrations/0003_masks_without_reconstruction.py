"""Issue 8 item 3: the stored display masks in the new forms (ID: province only; phone: first
three, last two). Both are cut from the old masks, so nothing is decrypted."""

from django.db import migrations

ID_MASK = "UPDATE people_person SET id_number_masked = SUBSTR(id_number_masked, 1, 2) || '{stars}'"
PHONE_MASK = (
    "UPDATE {table} SET phone_masked = SUBSTR(phone_masked, 1, 3) "
    "|| SUBSTR('********************', 1, LENGTH(phone_masked) - 5) "
    "|| SUBSTR(phone_masked, LENGTH(phone_masked) - 1, 2) WHERE LENGTH(phone_masked) >= 7"
)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_person_fewer_indexes")]

    operations = [
        migrations.RunSQL(ID_MASK.format(stars="*" * 16), migrations.RunSQL.noop),
        migrations.RunSQL(PHONE_MASK.format(table="people_person"), migrations.RunSQL.noop),
    ]
