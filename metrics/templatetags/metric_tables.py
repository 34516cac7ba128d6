from django import template

register = template.Library()


@register.filter
def metric_sums(series, metric):
    """Quarterly and annual sums of a monthly series (see Series.sums)."""
    return series.sums(metric)
