"""Shared helpers for view tests: demo users and plan URLs."""

from django.contrib.auth import get_user_model

from plans.models import Plan


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def plan(round_slug, area_slug):
    return Plan.objects.select_related("round", "area", "narrative").get(
        round__slug=round_slug, area__slug=area_slug
    )


def section_url(round_slug, area_slug, section_slug):
    return f"/plans/{round_slug}/{area_slug}/sections/{section_slug}/"


def form_data(response):
    """The POST data a browser would send for the page's form as rendered: every
    input, select and textarea with its current value (checked radios only)."""
    from html.parser import HTMLParser

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self._textarea, self._select = {}, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            name = a.get("name")
            if tag == "input" and name and "disabled" not in a:
                if a.get("type") in ("radio", "checkbox"):
                    if "checked" in a:
                        self.data[name] = a.get("value", "on")
                elif a.get("type") != "submit":
                    self.data[name] = a.get("value", "")
            elif tag == "textarea" and name:
                self._textarea = name
                self.data[name] = ""
            elif tag == "select" and name:
                self._select = name
                self.data.setdefault(name, "")
            elif tag == "option" and self._select and "selected" in a:
                self.data[self._select] = a.get("value", "")

        def handle_endtag(self, tag):
            if tag == "textarea":
                self._textarea = None
            if tag == "select":
                self._select = None

        def handle_data(self, text):
            if self._textarea:
                self.data[self._textarea] += text

    parser = Collect()
    parser.feed(response.content.decode())
    for key, value in parser.data.items():
        if key != "csrfmiddlewaretoken":
            parser.data[key] = value.lstrip("\n") if isinstance(value, str) else value
    return {k: v for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}
