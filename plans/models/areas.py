from django.core.validators import RegexValidator
from django.db import models


class Region(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ClinicalCommissioningGroup(models.Model):
    code = models.CharField(max_length=10, unique=True, help_text="ODS code, e.g. 07M.")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = "clinical commissioning group"

    def __str__(self):
        return self.name


class Area(models.Model):
    """A Health and Wellbeing Board area: one upper-tier local authority."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    ons_code = models.CharField(
        "ONS code",
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^E(06|08|09|10)\d{6}$", "An English upper-tier ONS code.")],
    )
    local_authority = models.CharField(max_length=200, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="areas")
    ccgs = models.ManyToManyField(ClinicalCommissioningGroup, blank=True, related_name="areas")

    class Meta:
        ordering = ["name"]
        verbose_name = "Health and Wellbeing Board area"

    def __str__(self):
        return self.name
