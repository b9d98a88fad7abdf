"""The read-only API of one organisation, under /o/<org_slug>/api/ (in the "org" namespace).

Its views resolve the organisation themselves after authentication (api.permissions), so the
TenantMiddleware leaves them alone; tests/test_tenant_isolation.py walks them like every other
tenant URL.
"""

from django.urls import path

from api import views

urlpatterns = [
    path("years/", views.YearList.as_view(), name="api-years"),
    path("years/<int:year>/", views.YearDetail.as_view(), name="api-year"),
    path("evidence/", views.EvidenceList.as_view(), name="api-evidence"),
    path("evidence/<int:evidence_pk>/", views.EvidenceDetail.as_view(), name="api-evidence-item"),
    path("actions/", views.ActionList.as_view(), name="api-actions"),
    path("actions/<int:action_pk>/", views.ActionDetail.as_view(), name="api-action"),
]
