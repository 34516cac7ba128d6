"""The expenditure line model now lives in `schemes` (state only; see
schemes.0003_expenditure_line). Its tables stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0002_template_upload'),
        ('schemes', '0003_expenditure_line'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='HistoricalExpenditureLine'),
                migrations.DeleteModel(name='ExpenditureLine'),
            ],
        ),
    ]
