"""The CSE standard as reference data, loaded from fixtures/cse_standard.json.

Every row has a natural key (standard slug, standard version, ref), so the fixture loads
with ``loaddata`` and loading it twice changes nothing. A later revision of the standard is a
new Standard row beside this one; past assessments keep pointing at the version they used.
"""

from django.db import models


class StandardManager(models.Manager):
    def get_by_natural_key(self, slug: str, version: str) -> "Standard":
        return self.get(slug=slug, version=version)

    def current(self) -> "Standard | None":
        """The CSE standard new years are opened on: the most recently loaded version."""
        return self.filter(slug="cse").order_by("-pk").first()


class Standard(models.Model):
    slug = models.SlugField(max_length=40)
    version = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    source = models.TextField(blank=True)

    objects = StandardManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="unique_standard_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    def natural_key(self) -> tuple[str, str]:
        return (self.slug, self.version)


class _RefManager(models.Manager):
    def get_by_natural_key(self, slug: str, version: str, ref: str):
        return self.get(standard__slug=slug, standard__version=version, ref=ref)


class _RefModel(models.Model):
    """Shared shape: a numbered part of one standard, natural key (standard, ref)."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE)
    ref = models.CharField(max_length=12)
    position = models.PositiveIntegerField()

    objects = _RefManager()

    class Meta:
        abstract = True
        ordering = ["position"]

    def natural_key(self) -> tuple[str, str, str]:
        return (*self.standard.natural_key(), self.ref)

    natural_key.dependencies = ["standards.standard"]


class Criterion(_RefModel):
    title = models.CharField(max_length=200)

    class Meta(_RefModel.Meta):
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["standard", "ref"], name="unique_criterion_ref")
        ]

    def __str__(self) -> str:
        return f"Criterion {self.ref} {self.title}"


class SubCriterion(_RefModel):
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="sub_criteria")
    title = models.CharField(max_length=200)

    class Meta(_RefModel.Meta):
        verbose_name_plural = "sub-criteria"
        constraints = [
            models.UniqueConstraint(fields=["standard", "ref"], name="unique_subcriterion_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class ElementQuerySet(models.QuerySet):
    def search(self, query: str) -> "ElementQuerySet":
        query = query.strip()
        if not query:
            return self
        return self.filter(models.Q(text__icontains=query) | models.Q(ref__startswith=query))


class ElementManager(_RefManager.from_queryset(ElementQuerySet)):
    pass


class Element(_RefModel):
    """An element (1.3.3) or a sub-element (1.3.3.1, with ``parent`` set)."""

    sub_criterion = models.ForeignKey(
        SubCriterion, on_delete=models.CASCADE, related_name="elements"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="sub_elements"
    )
    text = models.TextField()
    guidance = models.JSONField(default=list, blank=True)

    objects = ElementManager()

    class Meta(_RefModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["standard", "ref"], name="unique_element_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.text[:60]}"
