from django.contrib import admin

from standards.models import Criterion, Element, Standard, SubCriterion


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "version"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "standard"]
    list_filter = ["standard"]


@admin.register(SubCriterion)
class SubCriterionAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "standard"]
    list_filter = ["standard"]


@admin.register(Element)
class ElementAdmin(admin.ModelAdmin):
    list_display = ["ref", "text", "standard"]
    list_filter = ["standard"]
    search_fields = ["ref", "text"]
