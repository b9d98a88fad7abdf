from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import Assessment, ElementResult
from assessments.rules import visit_date_error, year_error
from organisations.tenancy import all_tenants

# Its organisation field's choices are built when the class is (the admin's own list of every
# organisation, read in the admin's cross-tenant context).
with all_tenants("the admin's organisation field lists every organisation"):

    class AssessmentAdminForm(forms.ModelForm):
        """Staff edit years under the same rules as everyone: a year a record may hold (so the
        Annex One export imports back), a visit date near its year."""

        class Meta:
            model = Assessment
            fields = ["organisation", "standard", "year", "kind", "status", "visit_date"]

        def clean_year(self) -> int:
            year = self.cleaned_data["year"]
            problem = year_error(year)
            if problem:
                raise forms.ValidationError(problem)
            return year

        def clean(self) -> dict:
            cleaned = super().clean()
            year, visit_date = cleaned.get("year"), cleaned.get("visit_date")
            if year is not None and "visit_date" not in self.errors:
                problem = visit_date_error(year, visit_date)
                if problem:
                    self.add_error("visit_date", problem)
            return cleaned


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    form = AssessmentAdminForm
    list_display = ["organisation", "year", "kind", "status", "visit_date"]
    list_filter = ["status", "kind", "organisation"]


@admin.register(ElementResult)
class ElementResultAdmin(SimpleHistoryAdmin):
    list_display = ["assessment", "element", "self_rating", "rating", "sampled"]
    list_filter = ["assessment__organisation", "assessment__year", "rating"]
    raw_id_fields = ["assessment", "element"]
