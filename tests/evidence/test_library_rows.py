"""The library's rows are drawn in Python (evidence_tags.library_rows, with its links read by
evidence.queries.library_page): the same markup, byte for byte, as the template loop they
replaced, rendered here with Django's own tags, filters and the item includes, for items of
every shape (no owner or author, dates or not, overdue, a long description with combining
characters, more than six links, notes, carried-forward links) and text that needs escaping."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evidence.models import Evidence, EvidenceLink
from tests.factories import AssessmentFactory, ElementFactory, EvidenceFactory, UserFactory

# The chips as a template: what evidence_tags.link_chips stands for.
CHIPS = (
    '{% if links %}<ul class="link-chips list-unstyled mb-0">\n'
    "{% for link in links|slice:':6' %}"
    '  <li class="link-chip{% if link.needs_confirmation %} link-chip-stale{% endif %}"'
    '{% if link.note %} title="{{ link.note|truncatechars:200 }}"{% endif %}>\n'
    '    <a class="element-ref" href="{% url \'org:element\' organisation.slug '
    'link.assessment.year link.element.ref %}">{{ link.assessment.year }} · '
    "{{ link.element.ref }}</a>{% if link.needs_confirmation %} "
    '<span class="stale-marker">not re-confirmed</span>{% endif %}\n'
    "  </li>\n"
    "{% endfor %}{% if links|length > 6 %}"
    '  <li class="link-chip link-chip-more"><a href="{{ item_url }}">all {{ links|length }} '
    "links</a></li>\n{% endif %}</ul>\n"
    '{% else %}<span class="text-muted">—</span>{% endif %}'
)

# The loop of templates/evidence/list.html that library_rows replaced.
ROWS = """{% for item in items %}
    {% url 'org:evidence-detail' organisation.slug item.pk as item_url %}
    <tr>
      <th scope="row" class="fw-normal evidence-item">
        <a class="fw-semibold" href="{{ item_url }}">{{ item.title }}</a>
        {% include "evidence/_kind.html" %}
        {% if item.description %}<div class="small text-muted evidence-description">{{ item.description|truncatechars:140 }}</div>{% endif %}
        <div class="d-md-none small mt-1 evidence-phone-meta">
          {% if item.owner %}<div>Owner: {{ item.owner.get_full_name }}</div>{% endif %}
          {% if item.evidence_date %}<div>Evidence date: <time datetime="{{ item.evidence_date|date:'Y-m-d' }}">{{ item.evidence_date|date:"j M Y" }}</time></div>{% endif %}
          {% if item.review_by %}<div>Review by: {% include "evidence/_review_by.html" %}</div>{% endif %}
          {% with links=item.links.all %}{% if links %}<div class="mt-1">CHIPS</div>{% endif %}{% endwith %}
        </div>
      </th>
      <td class="d-none d-md-table-cell">{% if item.owner %}{{ item.owner.get_full_name }}{% else %}<span class="text-muted">—</span>{% endif %}</td>
      <td class="d-none d-md-table-cell text-nowrap">{% if item.evidence_date %}<time datetime="{{ item.evidence_date|date:'Y-m-d' }}">{{ item.evidence_date|date:"j M Y" }}</time>{% else %}<span class="text-muted">—</span>{% endif %}</td>
      <td class="d-none d-md-table-cell text-nowrap">{% if item.review_by %}{% include "evidence/_review_by.html" %}{% else %}<span class="text-muted">—</span>{% endif %}</td>
      <td class="d-none d-md-table-cell">{% with links=item.links.all %}CHIPS{% endwith %}</td>
      <td class="d-none d-lg-table-cell small">{{ item.created_by.get_full_name|default:"—" }}<br><time class="text-muted text-nowrap" datetime="{{ item.created_at|date:'c' }}">{{ item.created_at|date:"j M Y" }}</time></td>
    </tr>
  {% endfor %}""".replace("CHIPS", CHIPS)  # fmt: skip  # noqa: E501

NASTY = '<b>"Tom & Jerry\'s"</b>'


@pytest.fixture
def shapes(org, lead):
    """Items of every shape, in two years, with links of both."""
    today = timezone.localdate()
    elements = [ElementFactory(ref=f"1.{n}.1", position=n) for n in range(1, 9)]
    standard = elements[0].standard
    for element in elements[1:]:
        element.standard = standard
        element.save(update_fields=["standard"])
    y2018 = AssessmentFactory(organisation=org, standard=standard, year=2018)
    y2019 = AssessmentFactory(organisation=org, standard=standard, year=2019)
    named = UserFactory(full_name=NASTY)
    items = [
        EvidenceFactory(organisation=org, title=NASTY, description=NASTY, created_by=named),
        EvidenceFactory(
            organisation=org,
            title="Long",
            # 150 letters, each with a combining accent: 150 characters as the filter counts
            # them (it counts no combining character), 300 code points.
            description="e\u0301" * 150,
            owner=None,
            created_by=None,
            evidence_date=date(2017, 3, 9),
            review_by=today - timedelta(days=1),
        ),
        EvidenceFactory(
            organisation=org,
            title="Fits once composed",
            description="e\u0301" * 140,  # 280 code points, 140 once NFC-composed
            evidence_date=date(2019, 12, 31),
            review_by=today + timedelta(days=30),
        ),
        EvidenceFactory(organisation=org, title="No description", description=""),
        EvidenceFactory(organisation=org, title="Word " * 40, description="Word " * 40),
    ]
    many, nasty = items[4], items[0]
    for n, element in enumerate(elements):
        EvidenceLink.objects.create(
            evidence=many, assessment=y2019, element=element, note=f"{NASTY} {n}" * (n % 3)
        )
    EvidenceLink.objects.create(evidence=many, assessment=y2018, element=elements[0], note="")
    EvidenceLink.objects.create(
        evidence=nasty,
        assessment=y2019,
        element=elements[1],
        note="x" * 250,
        carried_forward=True,
    )
    EvidenceLink.objects.create(
        evidence=nasty,
        assessment=y2019,
        element=elements[2],
        carried_forward=True,
        confirmed_at=timezone.now(),
    )
    EvidenceLink.objects.create(evidence=nasty, assessment=y2018, element=elements[3])
    return items


def expected_rows(org, year: int | None) -> str:
    links = EvidenceLink.objects.all()
    if year is not None:
        links = links.filter(assessment__year=year)
    items = (
        Evidence.objects.filter(organisation=org)
        .select_related("owner", "created_by")
        .prefetch_related(Prefetch("links", queryset=links))
        .order_by("-created_at", "-pk")
    )
    request = RequestFactory().get("/")
    template = engines["django"].from_string(ROWS)
    return template.render({"items": items, "organisation": org}, request)


def drawn_rows(client, org, query: str) -> str:
    page = client.get(f"{reverse('org:evidence-list', args=[org.slug])}?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    return html[html.index("<tbody>\n  ") + len("<tbody>\n  ") : html.index("\n  </tbody>")]


@pytest.mark.parametrize(("query", "year"), [("year=all", None), ("", 2019), ("year=2018", 2018)])
def test_rows_are_the_template_loops_markup(client, org, lead, shapes, query, year):
    client.force_login(lead)
    drawn = drawn_rows(client, org, query)
    assert drawn == expected_rows(org, year)
    # What the shapes are there for is on the page, escaped once.
    assert "&lt;b&gt;&quot;Tom &amp; Jerry&#x27;s&quot;&lt;/b&gt;" in drawn
    assert "<b>" not in drawn
    assert "Overdue" in drawn
    if year == 2019:
        assert "all 8 links" in drawn
        assert "not re-confirmed" in drawn


@pytest.mark.usefixtures("drawn_pages")
def test_a_page_reads_its_links_in_one_query(client, org, lead, shapes):
    """The links of a whole page come in one query, however many items and links it has."""
    client.force_login(lead)
    url = f"{reverse('org:evidence-list', args=[org.slug])}?year=all"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        EvidenceFactory(organisation=org, title=f"More {n}")
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)
    link_queries = [q for q in more.captured_queries if "evidence_evidencelink" in q["sql"]]
    assert len(link_queries) == 1  # the page's links (every year shown: none to re-confirm)


@pytest.mark.parametrize("query", ["", "element=1.1.1&year=all", "q=word&owner=1"])
def test_the_items_are_counted_without_their_owners_and_authors(client, org, lead, shapes, query):
    """The paginator counts the items alone: a count that joined the owners and authors (as
    the page's values do) ran for minutes on PostgreSQL with the element filter."""
    client.force_login(lead)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"{reverse('org:evidence-list', args=[org.slug])}?{query}")
    assert page.status_code == 200
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(*)" in q["sql"] and 'FROM "evidence_evidence"' in q["sql"]
    ]
    assert len(counts) == 1
    assert "accounts_user" not in counts[0]
