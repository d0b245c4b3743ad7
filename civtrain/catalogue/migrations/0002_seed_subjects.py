"""Seed the subject taxonomy from the shipped defaults (ZZ-T2)."""

from django.db import migrations


def seed(apps, schema_editor):
    from civtrain.catalogue.data import DEFAULT_SUBJECTS

    Subject = apps.get_model("catalogue", "Subject")
    for order, (code, name) in enumerate(DEFAULT_SUBJECTS.items(), start=1):
        Subject.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
