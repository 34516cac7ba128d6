"""What changed between two submitted versions, from their snapshots (plain data)."""

from collections import Counter
from dataclasses import dataclass, field

from plans.diff import text_diff

LINE_LABEL = ("scheme", "source", "year", "amount", "area_of_spend", "commissioner")


@dataclass
class VersionDiff:
    sections: list = field(default_factory=list)  # (slug, html diff)
    lists: list = field(default_factory=list)  # (part, added rows, removed rows)
    lines_added: list = field(default_factory=list)
    lines_removed: list = field(default_factory=list)
    metrics: list = field(default_factory=list)  # (metric, trajectory, period, before, after)

    @property
    def is_empty(self):
        return not (
            self.sections or self.lists or self.lines_added or self.lines_removed or self.metrics
        )


def _row_text(row, keys=None):
    keys = keys or sorted(row)
    return " · ".join(f"{row[k]}" for k in keys if row.get(k) not in ("", None))


def diff_snapshots(before, after):
    result = VersionDiff()
    old, new = before.get("sections", {}), after.get("sections", {})
    for slug in list(dict.fromkeys([*old, *new])):
        if old.get(slug, "") != new.get(slug, ""):
            result.sections.append((slug, text_diff(old.get(slug, ""), new.get(slug, ""))))
    for part in (
        "sign_offs",
        "conditions",
        "risks",
        "milestones",
        "hicm",
        "related_documents",
        "schemes",
        "income",
    ):
        was = Counter(_row_text(r) for r in before.get(part, []))
        now = Counter(_row_text(r) for r in after.get(part, []))
        added, removed = sorted((now - was).elements()), sorted((was - now).elements())
        if added or removed:
            result.lists.append((part.replace("_", " "), added, removed))
    was = Counter(_row_text(r) for r in before.get("expenditure", []))
    now = Counter(_row_text(r) for r in after.get("expenditure", []))
    result.lines_added = sorted((now - was).elements())
    result.lines_removed = sorted((was - now).elements())
    key = ("metric", "trajectory", "period")
    was = {tuple(r[k] for k in key): r["value"] for r in before.get("metrics", [])}
    now = {tuple(r[k] for k in key): r["value"] for r in after.get("metrics", [])}
    for k in sorted(set(was) | set(now)):
        if was.get(k) != now.get(k):
            result.metrics.append((*k, was.get(k, ""), now.get(k, "")))
    return result
