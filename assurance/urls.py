"""The plan's pages from task list to outcome, in the `plans` namespace (composed in
bcfplans.urls, so every page of a plan keeps one namespace whichever app serves it)."""

from django.urls import path

from . import review_views, views

PLAN = "<slug:round_slug>/<slug:area_slug>/"

plan_patterns = [
    path(PLAN, views.plan_overview, name="plan"),
    path(f"{PLAN}check/", views.plan_check, name="check"),
    path(f"{PLAN}submit/", views.submit, name="submit"),
    path(f"{PLAN}versions/", views.versions, name="versions"),
    path(f"{PLAN}versions/<int:number>/", views.version_detail, name="version"),
    path(f"{PLAN}versions/<int:number>/changes/", views.version_changes, name="version-changes"),
    path(f"{PLAN}versions/<int:number>/submitted/", views.submitted, name="submitted"),
    path(f"{PLAN}timeline/", views.timeline, name="timeline"),
    path(f"{PLAN}review/", review_views.review, name="review"),
    path(f"{PLAN}review/action/", review_views.review_action, name="review-action"),
    path(f"{PLAN}review/answers/", review_views.review_answers, name="review-answers"),
]
