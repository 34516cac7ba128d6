"""`manage.py check` refuses a round whose file names a rule that no app declares:
without this a typo in a round's rules would silently switch that rule off. It also
refuses a round whose `[returns]` table the loader would refuse (a part no return
has, a period due before it ends, a performance metric the round does not pay on)."""

import tomllib
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks

from plans.findings import RULES, SEVERITIES
from plans.reference.loader import ROUNDS_DIR, returns_problems, rule_specs


@checks.register()
def round_rules_are_declared(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for path in sorted(ROUNDS_DIR.glob("*.toml")):
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        name = spec.get("slug", path.stem)
        for code, severity in rule_specs(spec.get("rules", [])):
            if code not in RULES:
                errors.append(
                    checks.Error(
                        f"Round {name} names rule {code!r}, which no app declares.",
                        hint=f"Fix the code in {path.name}, or declare the rule with "
                        "@rule(...) in the owning app's rules.py.",
                        obj=path.name,
                        id="plans.E001",
                    )
                )
            elif severity and severity not in SEVERITIES:
                errors.append(
                    checks.Error(
                        f"Round {name} gives rule {code!r} the severity {severity!r}.",
                        hint=f"Use one of {', '.join(SEVERITIES)}, or leave it out.",
                        obj=path.name,
                        id="plans.E002",
                    )
                )
    return errors


@checks.register()
def round_returns_are_valid(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for path in sorted(ROUNDS_DIR.glob("*.toml")):
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        name = spec.get("slug", path.stem)
        for problem in returns_problems(spec.get("returns", {}), spec.get("metrics", [])):
            errors.append(
                checks.Error(
                    f"Round {name}: {problem}.",
                    hint=f'Fix the [returns] table in {path.name} (README "Returns").',
                    obj=path.name,
                    id="plans.E003",
                )
            )
    return errors
