"""Reading the Metrics sheet of the planning template: one row per measure of each
metric, one column per period, checked by the same form as the metrics page."""

from metrics.forms import MetricValuesForm
from metrics.models import MetricPeriod
from metrics.selectors import metric_tables

from . import layout as L


class MetricSheet:
    """Mixin for the template Reader (which provides problem(), at(), value() and plan)."""

    def _periods(self):
        seen = {}
        for period in MetricPeriod.objects.filter(metric__round=self.round).order_by(
            "starts", "ends", "label"
        ):
            seen.setdefault(period.label, period)
        return list(seen.values())

    def read_metrics(self, rows, parsed):
        labels = [p.label for p in self._periods()]
        tables = {t.metric.code: t for t in metric_tables(self.plan)}
        by_metric = {}
        for number, row in rows:
            code, measure = row[0], row[2]
            table = tables.get(code)
            if table is None:
                self.problem(
                    L.METRICS, "Metrics", f"A{number}", f"'{code}' is not a metric of this round."
                )
                continue
            keys = {label: key for key, label in L.measure_rows(table.metric, table.components)}
            if measure not in keys:
                self.problem(
                    L.METRICS,
                    "Metrics",
                    f"C{number}",
                    f"'{measure}' is not a measure of this metric.",
                )
                continue
            by_metric.setdefault(code, []).append((keys[measure], row, number))
        for code, measures in by_metric.items():
            table = tables[code]
            own = {p.label: p for p in table.periods}
            data, cells = self._metric_initial(table), {}
            for key, row, number in measures:
                for offset, label in enumerate(labels):
                    cell = self.at(number, 3 + offset, row)
                    raw = self.value(L.METRICS, cell, table.metric.name)
                    if label not in own:
                        if raw not in (None, ""):
                            self.problem(
                                L.METRICS,
                                table.metric.name,
                                cell.coordinate,
                                f"{label} is not a period of this metric; leave it empty.",
                            )
                        continue
                    name = self._metric_field(key, own[label])
                    data[name] = raw or ""
                    cells[name] = cell.coordinate
            form = MetricValuesForm(data, table=table)
            if form.is_valid():
                parsed.metrics.append((table, form))
            else:
                self.form_problems(L.METRICS, table.metric.name, form, cells)

    @staticmethod
    def _metric_field(key, period):
        if key.startswith("component:"):
            return f"c-{key.split(':', 1)[1]}-{period.pk}"
        return {"numerator": "num", "denominator": "den", "value": "val"}[key] + f"-{period.pk}"

    @staticmethod
    def _metric_initial(table):
        """What the template does not carry (baseline, actuals, contingency) is kept."""
        form = MetricValuesForm(table=table)
        return {
            name: "" if f.initial is None else str(f.initial)
            for name, f in form.fields.items()
            if not name.startswith(("c-", "num-", "den-", "val-"))
        }
