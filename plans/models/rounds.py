"""A planning round and the reference data that defines it.

Everything that differs between rounds (years, sections, conditions, sign-off
roles, funding sources, lists, KLOEs, which rules apply) is a row here, so adding a
round is a data load, not a code change.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class FinancialYear(models.Model):
    start_year = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )

    class Meta:
        ordering = ["start_year"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"


class RoundQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)


class Round(models.Model):
    class RiskScale(models.TextChoices):
        HIGH_MEDIUM_LOW = "hml", "High / Medium / Low"
        RAG = "rag", "Red / Amber / Green"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    years = models.ManyToManyField(FinancialYear, related_name="rounds")
    is_open = models.BooleanField(default=True, help_text="Areas may create and edit plans.")
    risk_scale = models.CharField(max_length=3, choices=RiskScale.choices)
    risks_scored = models.BooleanField(
        default=False, help_text="Risks carry likelihood and impact (1-5) and a score."
    )
    amounts_in_thousands = models.BooleanField(
        default=False, help_text="The Excel template for this round states amounts in £'000."
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name


class RoundItem(models.Model):
    """Common shape of a round's ordered reference rows."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["round", "order"]


class Section(RoundItem):
    class Kind(models.TextChoices):
        PLAN_DETAILS = "plan_details", "Plan details"
        SIGN_OFF = "sign_off", "Sign-off"
        NARRATIVE = "narrative", "Narrative"
        RELATED_DOCUMENTS = "related_documents", "Related documents"
        NATIONAL_CONDITIONS = "national_conditions", "National conditions"
        RISKS = "risks", "Risks"
        MILESTONES = "milestones", "Milestones"
        HICM = "hicm", "High Impact Change Model"
        SCHEMES = "schemes", "Schemes"
        FINANCE = "finance", "Income and expenditure"
        METRICS = "metrics", "Metrics"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sections")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    prompt = models.TextField(blank=True, help_text="Shown to authors as hint text.")
    shared = models.BooleanField(
        default=True,
        help_text="Part of the narrative that a joint plan's areas share; otherwise per area.",
    )
    max_characters = models.PositiveIntegerField(null=True, blank=True)

    class Meta(RoundItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "slug"], name="section_unique_slug"),
        ]

    def __str__(self):
        return f"{self.round.slug}: {self.title}"


class SignOffRole(RoundItem):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sign_off_roles")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    one_per_ccg = models.BooleanField(default=False)

    class Meta(RoundItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "slug"], name="signoffrole_unique_slug"),
        ]

    def __str__(self):
        return self.title


class NationalCondition(RoundItem):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="national_conditions")
    code = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta(RoundItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="condition_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class ConditionQuestion(models.Model):
    class AnswerType(models.TextChoices):
        CONFIRMATION = "confirmation", "Yes, or not yet with a date it will be in place"
        TEXT = "text", "Text"
        PERCENTAGE = "percentage", "Percentage"
        DATE = "date", "Date"

    condition = models.ForeignKey(
        NationalCondition, on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField()
    text = models.TextField()
    answer_type = models.CharField(max_length=16, choices=AnswerType.choices)
    required = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["condition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["condition", "key"], name="question_unique_key"),
        ]

    def __str__(self):
        return self.text[:80]


class FundingSource(RoundItem):
    """Where pooled money comes from; sub-sources (e.g. the RNF part of the CCG
    minimum) are entered as income and spent as their parent."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="funding_sources")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="parts"
    )
    report_group = models.CharField(
        max_length=100, help_text="Column this source is summed into in spending summaries."
    )
    is_ccg_minimum = models.BooleanField(default=False)
    is_dfg = models.BooleanField(default=False)

    class Meta(RoundItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="source_unique_code"),
        ]

    def __str__(self):
        return self.name

    @property
    def spend_source(self):
        return self.parent or self


class NamedListItem(RoundItem):
    name = models.CharField(max_length=200)

    class Meta(RoundItem.Meta):
        abstract = True

    def __str__(self):
        return self.name


class SchemeType(NamedListItem):
    is_other = models.BooleanField(default=False, help_text='"Other": the author must specify.')

    class Meta(NamedListItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="schemetype_unique_name"),
        ]


class AreaOfSpend(NamedListItem):
    counts_as_social_care = models.BooleanField(default=False)
    counts_as_out_of_hospital = models.BooleanField(default=False)

    class Meta(NamedListItem.Meta):
        verbose_name_plural = "areas of spend"
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="areaofspend_unique_name"),
        ]


class CommissionerType(NamedListItem):
    is_nhs = models.BooleanField(default=False)
    is_joint = models.BooleanField(default=False, help_text="Lines state % NHS and % LA.")

    class Meta(NamedListItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="commissioner_unique_name"),
        ]


class ProviderType(NamedListItem):
    class Meta(NamedListItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="providertype_unique_name"),
        ]


class HighImpactChange(NamedListItem):
    class Meta(NamedListItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="hicm_change_unique_name"),
        ]


class MaturityLevel(NamedListItem):
    class Meta(NamedListItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="maturity_unique_name"),
        ]


class KeyLineOfEnquiry(RoundItem):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="kloes")
    code = models.CharField(max_length=10)
    theme = models.CharField(
        max_length=60, blank=True, help_text="The group the question belongs to on the form."
    )
    question = models.TextField()
    guidance = models.TextField(blank=True, help_text="What the assurer should look for.")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta(RoundItem.Meta):
        verbose_name = "key line of enquiry"
        verbose_name_plural = "key lines of enquiry"
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="kloe_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.question[:60]}"


class RoundRule(RoundItem):
    """A rule of the validation engine that applies in this round."""

    class Severity(models.TextChoices):
        ERROR = "error", "Error"
        WARNING = "warning", "Warning"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=60)
    severity = models.CharField(
        max_length=7,
        choices=Severity.choices,
        blank=True,
        default="",
        help_text="Blank keeps the rule's own severity; set, it applies to all its findings.",
    )

    class Meta(RoundItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="rule_unique_code"),
        ]

    def __str__(self):
        return self.code


class AssuranceStage(RoundItem):
    """One step of the round's assurance, in order: which roles act and what the step
    does. The engine knows three kinds of step; a round chooses which it runs, in what
    order, by whom, and by when."""

    class Kind(models.TextChoices):
        ASSESS = "assess", "Assessment"  # each role answers every KLOE
        MODERATE = "moderate", "Moderation"  # reconcile the answers, propose a category
        CONFIRM = "confirm", "Confirmation"  # confirm or move the proposed category

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="stages")
    slug = models.SlugField()
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    roles = models.JSONField(
        default=list, help_text='Role kinds that act in this stage, e.g. ["reviewer"].'
    )
    description = models.TextField(blank=True)

    class Meta(RoundItem.Meta):
        constraints = [
            models.UniqueConstraint(fields=["round", "slug"], name="stage_unique_slug"),
        ]

    def __str__(self):
        return f"{self.round.slug}: {self.name}"


class OutcomeCategory(RoundItem):
    """An outcome the round's assurance can reach. `effect` is what it does to the plan
    (the plan's status); `asks` is what the decision must state."""

    class Effect(models.TextChoices):
        APPROVED = "approved", "Approved"
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
        NOT_APPROVED = "not_approved", "Not approved"

    class Asks(models.TextChoices):
        NOTHING = "", "Nothing more"
        SUPPORT = "support", "The support offered"
        CONDITIONS = "conditions", "Conditions with deadlines"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="outcome_categories")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)
    effect = models.CharField(max_length=24, choices=Effect.choices)
    asks = models.CharField(max_length=10, choices=Asks.choices, blank=True, default="")
    description = models.TextField(blank=True)

    class Meta(RoundItem.Meta):
        verbose_name_plural = "outcome categories"
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="outcome_unique_code"),
        ]

    def __str__(self):
        return self.label


class RoundDeadline(RoundItem):
    """A date of the round's calendar. Reminders go out `remind_days_before` it to
    whoever still has to act; a plan still not through it afterwards is overdue, and
    one past the resubmission deadline is escalated."""

    class Kind(models.TextChoices):
        OPENS = "opens", "Submission window opens"
        SUBMISSION = "submission", "Submission deadline"
        ASSURANCE = "assurance", "Assurance stage deadline"
        RESUBMISSION = "resubmission", "Resubmission deadline"
        MILESTONE = "milestone", "Other date"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="deadlines")
    slug = models.SlugField()
    label = models.CharField(max_length=150)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    due = models.DateField()
    stage = models.ForeignKey(
        AssuranceStage, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    remind_days_before = models.PositiveSmallIntegerField(default=7)

    class Meta:
        ordering = ["round", "due", "order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "slug"], name="deadline_unique_slug"),
            models.CheckConstraint(
                condition=~models.Q(kind="assurance") | models.Q(stage__isnull=False),
                name="deadline_assurance_names_stage",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.due:%d %B %Y})"


class ReturnSettings(models.Model):
    """What the round's returns after approval ask and how their figures are judged:
    the round's `[returns]` table. One per round; a round without it has no returns."""

    class Part(models.TextChoices):
        """The parts of a return the service knows; a round chooses which it asks."""

        BUDGET = "budget", "Budget arrangements"
        CONDITIONS = "conditions", "National conditions"
        FINANCE = "finance", "Income and expenditure"
        METRICS = "metrics", "Metrics: actuals against the plan"
        DELIVERY = "delivery", "Milestones and scheme delivery"
        NARRATIVE = "narrative", "Progress, challenges and support needed"
        SIGN_OFF = "sign-off", "Health and Wellbeing Board sign-off"

    class Method(models.TextChoices):
        NONE = "", "No payment for performance"
        PRO_RATA = "pro_rata", "Pro rata to the improvement achieved"
        THRESHOLD = "threshold", "All of a metric's share once the threshold is reached"

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="return_settings")
    parts = models.JSONField(default=list, help_text="The parts every return asks, in order.")
    metric_green_within = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text="An actual at most this % worse than plan is green.",
    )
    metric_amber_within = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=5,
        help_text="An actual at most this % worse than plan is amber; worse is red.",
    )
    spend_green_within = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=2,
        help_text="A forecast outturn within this % of budget, either way, is green.",
    )
    spend_amber_within = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=5,
        help_text="A forecast outturn within this % of budget is amber; further is red.",
    )
    performance_method = models.CharField(
        max_length=9, choices=Method.choices, blank=True, default=""
    )
    performance_year = models.ForeignKey(
        FinancialYear, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    performance_fund_share = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="% of the area's minimum pooled budget that year paid for performance.",
    )
    performance_threshold = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text="% of a metric's planned improvement below which none of its share is "
        "released (pro rata), or from which all of it is (threshold).",
    )

    class Meta:
        verbose_name_plural = "return settings"

    def __str__(self):
        return f"{self.round.slug}: returns"


class ReturnPeriod(RoundItem):
    """One return the round asks of every approved plan: the dates it covers, when it
    is due, and (if not the round's usual parts) what it asks. Metric periods that end
    between `starts` and `ends` are reported in it; its money is for `year`."""

    class Kind(models.TextChoices):
        QUARTERLY = "quarterly", "Quarterly return"
        YEAR_END = "year_end", "Year-end return"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="return_periods")
    slug = models.SlugField(help_text='E.g. "2017-18-q1"; part of the return\'s address.')
    label = models.CharField(max_length=60)
    kind = models.CharField(max_length=9, choices=Kind.choices)
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    starts = models.DateField()
    ends = models.DateField()
    due = models.DateField()
    remind_days_before = models.PositiveSmallIntegerField(default=7)
    parts = models.JSONField(
        default=list, blank=True, help_text="Parts this return asks; empty: the round's."
    )

    class Meta:
        ordering = ["round", "ends", "order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "slug"], name="return_period_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(ends__gte=models.F("starts")),
                name="return_period_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.label} (due {self.due:%-d %B %Y})"


class PerformanceMeasure(RoundItem):
    """A metric the round pays for performance on: its share of the performance fund
    and the period whose actual is judged. The metric is named by its code (metrics
    are defined by the floor above)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="performance_measures")
    metric_code = models.SlugField(max_length=40)
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="% of the area's performance fund."
    )
    period_label = models.CharField(
        max_length=30, blank=True, help_text="The metric period judged; blank: its last."
    )

    class Meta(RoundItem.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["round", "metric_code"], name="performance_measure_unique_metric"
            ),
        ]

    def __str__(self):
        return f"{self.round.slug}: {self.metric_code} ({self.weight}%)"
