from django.db import models

from .plans import Plan


class ContentStamp(models.Model):
    """A token that changes, in the same transaction, with anything of the plan's
    content: what is worked out from the content (findings, a page's tables) is kept
    under the token, so a kept result is never one of content since changed.

    Its own table, not a column of Plan, so a save of a Plan read earlier cannot put
    back a token that was already seen with other content."""

    plan = models.OneToOneField(
        Plan, primary_key=True, on_delete=models.CASCADE, related_name="content_stamp"
    )
    token = models.CharField(max_length=32)

    def __str__(self):
        return f"{self.plan_id}:{self.token}"
