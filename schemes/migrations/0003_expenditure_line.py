"""Expenditure lines belong to their scheme: the model moves from `finance` to
`schemes` in Django's state only. The tables keep their names, so no data moves."""

import django.db.models.deletion
import django.db.models.expressions
import plans.fields
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0002_template_upload'),
        ('plans', '0001_initial'),
        ('schemes', '0002_scheme_lock_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
                    name='HistoricalExpenditureLine',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('amount', plans.fields.MoneyField()),
                        ('nhs_share', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='% NHS')),
                        ('la_share', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='% LA')),
                        ('provider', models.CharField(blank=True, max_length=200)),
                        ('recurrence', models.CharField(choices=[('recurrent', 'Recurrent'), ('non_recurrent', 'Non-recurrent')], default='recurrent', max_length=13)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('area_of_spend', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.areaofspend')),
                        ('commissioner', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.commissionertype')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('provider_type', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.providertype')),
                        ('scheme', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='schemes.scheme')),
                        ('source', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.fundingsource')),
                        ('year', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.financialyear')),
                    ],
                    options={
                        'verbose_name': 'historical expenditure line',
                        'verbose_name_plural': 'historical expenditure lines',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                        'db_table': 'finance_historicalexpenditureline',
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
        migrations.CreateModel(
                    name='ExpenditureLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', plans.fields.MoneyField()),
                        ('nhs_share', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='% NHS')),
                        ('la_share', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='% LA')),
                        ('provider', models.CharField(blank=True, max_length=200)),
                        ('recurrence', models.CharField(choices=[('recurrent', 'Recurrent'), ('non_recurrent', 'Non-recurrent')], default='recurrent', max_length=13)),
                        ('area_of_spend', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='plans.areaofspend')),
                        ('commissioner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='plans.commissionertype')),
                        ('provider_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='plans.providertype')),
                        ('scheme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='expenditure_lines', to='schemes.scheme')),
                        ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='plans.fundingsource')),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='plans.financialyear')),
                    ],
                    options={
                        'db_table': 'finance_expenditureline',
                        'ordering': ['scheme', 'year', 'source__order', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='expenditure_amount_not_negative'), models.CheckConstraint(condition=models.Q(models.Q(('nhs_share__isnull', True), ('la_share__isnull', True)), models.Q(('la_share__gte', 0), ('la_share__lte', 100), ('nhs_share__gte', 0), ('nhs_share__lte', 100), ('nhs_share', django.db.models.expressions.CombinedExpression(models.Value(100), '-', models.F('la_share')))), _connector='OR'), name='expenditure_joint_shares_total_100')],
                    },
                ),
            ],
        ),
    ]
