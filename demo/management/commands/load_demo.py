from django.core.management.base import BaseCommand
from django.db import transaction

from demo.data import barnet, bhr, lancashire
from demo.data.assurance import forget_assurance, run_assurance
from demo.data.returns import build_returns, forget_returns
from demo.data.users import load_users
from plans.models import Plan
from plans.reference import loader

DEMO_PLANS = {  # (round, first area) -> builder
    ("2014-16", "barnet"): barnet.build,
    ("2014-16", "lancashire"): lancashire.build,
    ("2017-19", "barking-and-dagenham"): bhr.build,
}


class Command(BaseCommand):
    help = (
        "Load reference data, the demo users (password from DEMO_PASSWORD, default "
        "bcf-demo) and the demo plans built from the seed figures. Safe to run again: "
        "existing demo plans are left as they are unless --reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete and rebuild the demo plans."
        )
        parser.add_argument(
            "--no-assurance",
            dest="assurance",
            action="store_false",
            help="Leave the BHR plans in draft (the test suite's starting point).",
        )

    @transaction.atomic
    def handle(self, *args, reset=False, assurance=True, **options):
        loader.load_areas()
        loader.load_all_rounds()
        load_users()
        story = False
        for (round_slug, area_slug), build in DEMO_PLANS.items():
            existing = Plan.objects.filter(round__slug=round_slug, area__slug=area_slug).first()
            if existing and not reset:
                self.stdout.write(f"Kept existing {existing}")
                continue
            if existing:
                narrative = existing.narrative
                forget_returns(narrative.plans.all())
                forget_assurance(narrative.plans.all())
                for plan in narrative.plans.all():
                    plan.delete()
                narrative.delete()
            for plan in build():
                self.stdout.write(f"Built {plan}")
            if build is bhr.build and assurance:
                story = True
                for plan in run_assurance():
                    status = plan.status_label.lower()
                    self.stdout.write(f"Assurance story: {plan} is {status}")
        if story:  # returns need an approved plan: Havering's, and Barnet's (approved here)
            for line in build_returns():
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo loaded."))
