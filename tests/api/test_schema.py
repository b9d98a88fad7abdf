"""The OpenAPI 3 schema is served at /api/schema/ to anyone signed in (session or token), as
YAML or JSON, is valid, describes every endpoint and the token sign-in, and is generated
without a warning. No Swagger UI or Redoc page (they load scripts from a CDN)."""

import json

import pytest
import yaml
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

PATHS = {
    "/o/{org_slug}/api/years/",
    "/o/{org_slug}/api/years/{year}/",
    "/o/{org_slug}/api/evidence/",
    "/o/{org_slug}/api/evidence/{evidence_pk}/",
    "/o/{org_slug}/api/actions/",
    "/o/{org_slug}/api/actions/{action_pk}/",
}


def test_the_schema_is_served_as_yaml_and_json_and_is_valid(client, lead):
    client.force_login(lead)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert set(schema["paths"]) == PATHS
    assert json.loads(client.get("/api/schema/?format=json").content) == schema


def test_the_schema_says_how_to_sign_in_and_that_only_get_exists(client, lead):
    client.force_login(lead)
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }
    assert {method for path in schema["paths"].values() for method in path} == {"get"}
    year = schema["components"]["schemas"]["YearDetail"]["properties"]
    assert {"kind", "status", "visit_date", "outcome", "results"} <= set(year)
    action = schema["components"]["schemas"]["Action"]["properties"]
    assert action["is_overdue"]["type"] == "boolean"
    assert action["evidence"] == {
        "type": "array",
        "items": {"type": "integer"},
        "readOnly": True,
        "description": action["evidence"]["description"],
    }


def test_a_token_reads_the_schema_and_nobody_else(client, lead, token_client):
    assert token_client(lead).get("/api/schema/").status_code == 200
    assert client.get("/api/schema/").status_code == 401


def test_the_schema_is_generated_without_a_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert set(yaml.safe_load(out.read_text())["paths"]) == PATHS


def test_no_page_that_loads_a_cdn():
    for name in ["swagger-ui", "redoc", "api-docs"]:
        with pytest.raises(NoReverseMatch):
            reverse(name)
