#!/bin/bash
# airflow-init: one-shot setup run before every other Airflow service (idempotent, safe to rerun).
#   1. the folders under /opt/airflow/var (mounted from ./var), owned by AIRFLOW_UID;
#   2. `airflow db migrate` on the PostgreSQL metadata database;
#   3. the admin user (FAB auth manager) from AIRFLOW_ADMIN_USER / AIRFLOW_ADMIN_PASSWORD;
#   4. one Airflow pool per MyUnisoft token (see the comment in docker-compose.yaml).
# Runs as root (user "0:0", as in Airflow's official compose file) so it can chown the mounted ./var.
set -euo pipefail

: "${AIRFLOW_UID:=50000}"
: "${AIRFLOW_ADMIN_USER:?AIRFLOW_ADMIN_USER must be set (see .env.example)}"
: "${AIRFLOW_ADMIN_PASSWORD:?AIRFLOW_ADMIN_PASSWORD must be set (see .env.example)}"

echo "gisync init: folders under /opt/airflow/var"
mkdir -p /opt/airflow/var/compose /opt/airflow/var/reports /opt/airflow/var/state /opt/airflow/var/logs
chown -R "${AIRFLOW_UID}:0" /opt/airflow/var

echo "gisync init: airflow db migrate"
airflow db migrate

echo "gisync init: admin user ${AIRFLOW_ADMIN_USER}"
if airflow users list --output plain 2>/dev/null | awk '{print $2}' | grep -qx "${AIRFLOW_ADMIN_USER}"; then
    echo "  already exists (change its password in the UI or with 'airflow users reset-password')"
else
    airflow users create \
        --username "${AIRFLOW_ADMIN_USER}" \
        --password "${AIRFLOW_ADMIN_PASSWORD}" \
        --firstname Admin --lastname gisync --email "${AIRFLOW_ADMIN_EMAIL:-admin@example.invalid}" \
        --role Admin
fi

echo "gisync init: pools (one per MyUnisoft token)"
airflow pools set myunisoft_demo 1 "MyUnisoft token of dossier demo: one load at a time"

# Airflow run as root may have created files in the mounted folders: hand them back.
chown -R "${AIRFLOW_UID}:0" /opt/airflow/var
echo "gisync init: done"
