import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the reference data and the demo plans."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0)
