from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class MoneyField(models.DecimalField):
    """Pounds and pence, never a float; at most £999,999,999,999.99."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key, default in (("max_digits", 14), ("decimal_places", 2)):
            if kwargs.get(key) == default:
                del kwargs[key]
        kwargs.pop("validators", None)
        return name, path, args, kwargs
