from django.core.management.base import BaseCommand

from plans.reference import loader


class Command(BaseCommand):
    help = "Load (or refresh) HWB areas, regions, CCGs and every planning round's reference data."

    def handle(self, *args, **options):
        loader.load_areas()
        for round_ in loader.load_all_rounds():
            self.stdout.write(f"Loaded round {round_.slug}")
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
