"""A round rule's severity now takes effect; blank (the new default) keeps the rule's
own. Every existing row held the old, ignored default, so each is reset to blank."""

from django.db import migrations, models


def keep_rule_defaults(apps, schema_editor):
    apps.get_model("plans", "RoundRule").objects.update(severity="")


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0004_downloads"),
    ]

    operations = [
        migrations.AlterField(
            model_name="roundrule",
            name="severity",
            field=models.CharField(
                blank=True,
                choices=[("error", "Error"), ("warning", "Warning")],
                default="",
                help_text="Blank keeps the rule's own severity; set, it applies to all its findings.",
                max_length=7,
            ),
        ),
        migrations.RunPython(keep_rule_defaults, migrations.RunPython.noop),
    ]
