#!/bin/sh
# Run once by the postgres image on an empty data folder (docker-compose.yml): the app's role,
# which neither owns the tables nor bypasses row-level security. `manage.py migrate`, run as
# the owner (MIGRATION_DATABASE_URL), grants it its rights on rows (docs/security.md, Tenancy).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="${APP_DB_PASSWORD:-cse_app}" <<'SQL'
CREATE ROLE cse_app LOGIN PASSWORD :'password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
SQL
