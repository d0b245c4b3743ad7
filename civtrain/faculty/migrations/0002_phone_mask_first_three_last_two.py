"""Issue 8 item 3: teachers' stored phone masks in the new form (first three, last two)."""

from django.db import migrations

PHONE_MASK = (
    "UPDATE faculty_teacher SET phone_masked = SUBSTR(phone_masked, 1, 3) "
    "|| SUBSTR('********************', 1, LENGTH(phone_masked) - 5) "
    "|| SUBSTR(phone_masked, LENGTH(phone_masked) - 1, 2) WHERE LENGTH(phone_masked) >= 7"
)


class Migration(migrations.Migration):
    dependencies = [("faculty", "0001_initial")]

    operations = [migrations.RunSQL(PHONE_MASK, migrations.RunSQL.noop)]
