#!/bin/bash
# Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d):
# the gisync sync-state database, owned by its own role, next to Airflow's metadata database.
set -euo pipefail
: "${GISYNC_DB_PASSWORD:?GISYNC_DB_PASSWORD must be set (see .env.example)}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v gisync_password="$GISYNC_DB_PASSWORD" <<'SQL'
CREATE ROLE gisync LOGIN PASSWORD :'gisync_password';
CREATE DATABASE gisync OWNER gisync;
SQL
