"""Included by organisations.tenant_urls under /o/<org_slug>/ (names in the "org" namespace).
The evidence of an element's page has its URLs under the same path in evidence.element_urls."""

from django.urls import path

from assessments import marking_views, views, workflow_views

urlpatterns = [
    path("", views.assessment_list, name="assessment-list"),
    path("new/", views.assessment_open, name="assessment-open"),
    path("<int:year>/", views.year_grid, name="year"),
    path("<int:year>/details/", views.year_details, name="year-details"),
    path("<int:year>/delete/", views.year_delete, name="year-delete"),
    path("<int:year>/elements/<str:ref>/", views.element_detail, name="element"),
    path("<int:year>/elements/<str:ref>/self/", views.self_assessment, name="self-assessment"),
    # The assessor's marking (assessments.marking_views).
    path("<int:year>/elements/<str:ref>/mark/", marking_views.assessor_mark, name="assessor-mark"),
    path("<int:year>/summaries/", marking_views.summaries, name="summaries"),
    path("<int:year>/sample/", marking_views.sample, name="sample"),
    # The year's workflow (assessments.workflow_views).
    path("<int:year>/submit/", workflow_views.year_submit, name="year-submit"),
    path("<int:year>/start-review/", workflow_views.year_start_review, name="year-start-review"),
    path("<int:year>/return/", workflow_views.year_return, name="year-return"),
    path("<int:year>/finalise/", workflow_views.year_finalise, name="year-finalise"),
    path("<int:year>/override/", workflow_views.year_override, name="year-override"),
    path("<int:year>/reopen/", workflow_views.year_reopen, name="year-reopen"),
]
