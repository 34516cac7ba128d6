import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the reference data and the demo plans, in
    draft: tests that need the assurance story run it (demo.data.assurance)."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0, assurance=False)


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory):
    """Uploads and prepared downloads never land in the working tree."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _nothing_kept_between_tests():
    """Each test starts with nothing kept: no findings or tables under content stamps,
    no rendered overview (a stamp's token is random, but a test that sets up a cache
    hit should not find another test's results)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
