"""The schemes register is the schemes section's page: an editor marks the section
complete there, as on the finance and metrics pages."""

import pytest

from plans.models import SectionProgress
from plans.tests.helpers import login, plan

pytestmark = pytest.mark.django_db

BASE = "/plans/2017-19/havering/"


def schemes_progress():
    return SectionProgress.objects.filter(
        plan=plan("2017-19", "havering"), section__kind="schemes"
    ).first()


def test_an_editor_marks_the_schemes_section_complete_on_the_register(client):
    login(client, "bhr.finance")
    page = client.get(BASE + "schemes/").content.decode()
    assert "Yes, I&#x27;ve completed this section" in page or "Yes, I've completed" in page
    assert f'action="{BASE}sections/schemes/complete/"' in page
    before = schemes_progress()
    response = client.post(
        BASE + "sections/schemes/complete/",
        {"lock_version": before.lock_version if before else 0, "completed": "yes"},
    )
    assert response.status_code == 302
    assert schemes_progress().completed is True
