"""The uploader's date fields drawn in Python (evidence_tags.upload_dates): the same markup as
Django's own widget templates, whatever state the form is in."""

from datetime import date

from django import forms

from evidence.forms import UploadForm
from evidence.templatetags.evidence_tags import _input_html, upload_dates


def test_the_inputs_are_djangos_own_markup():
    today = date(2026, 3, 31)
    forms_to_draw = [
        UploadForm(auto_id="evidence-upload-%s", today=today),  # the uploader's: unbound
        UploadForm(auto_id="up-%s", today=today),
        UploadForm({"evidence_date": "not a date", "review_by": ""}, auto_id="x-%s"),  # errors
        UploadForm({"evidence_date": '"><b>', "review_by": "2026-01-01"}),  # no ids, markup
    ]
    for form in forms_to_draw:
        form.is_valid()
        for name in ("evidence_date", "review_by"):
            assert _input_html(form[name]) == form[name].as_widget()


def test_other_widgets_are_left_to_django():
    class Other(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "<A>")])
        text = forms.CharField(max_length=5, disabled=True)

    form = Other(auto_id="o-%s")
    for name in ("choice", "text"):
        assert _input_html(form[name]) == form[name].as_widget()


def test_the_dates_with_their_labels_and_help():
    drawn = upload_dates(UploadForm(auto_id="evidence-upload-%s", today=date(2026, 3, 31)))
    assert drawn.count('<div class="col-sm-6">') == 2
    assert 'for="evidence-upload-evidence_date">Evidence date</label>' in drawn
    assert 'value="2026-03-31"' in drawn and 'value="2027-03-31"' in drawn
    assert 'id="evidence-upload-review_by-help">When they should be looked at again' in drawn
