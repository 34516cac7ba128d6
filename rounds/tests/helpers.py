"""Shared helpers for the rounds tests."""

import tomllib
from pathlib import Path

from django.contrib.auth import get_user_model

from plans.models import Area, Plan, Round
from plans.reference import loader


def user(username):
    return get_user_model().objects.get(username=username)


def area(slug):
    return Area.objects.get(slug=slug)


def plan_of(round_slug, area_slug):
    return Plan.objects.filter(round__slug=round_slug, area__slug=area_slug).first()


def later_round(tmp_path, slug="2019-20", years=(2019,), like="2017-19"):
    """A round after the shipped ones, loaded through the reference loader from a copy
    of `like`'s file with another slug, name and years."""
    source = loader.ROUNDS_DIR / f"{like}.toml"
    text = source.read_text(encoding="utf-8")
    spec = tomllib.loads(text)
    text = text.replace(f'slug = "{spec["slug"]}"', f'slug = "{slug}"', 1)
    text = text.replace(f'name = "{spec["name"]}"', f'name = "Better Care Fund {slug}"', 1)
    text = text.replace(f"years = {spec['years']}", f"years = {list(years)}", 1)
    path = Path(tmp_path) / f"{slug}.toml"
    path.write_text(text, encoding="utf-8")
    round_ = loader.load_round(path)
    assert round_.slug == slug and sorted(y.start_year for y in round_.years.all()) == list(years)
    return Round.objects.get(pk=round_.pk)
