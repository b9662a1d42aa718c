#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d):
# one database and one login per service (and the console), each login owning only its own database.
# The passwords come from the environment (.env): IDENTITY_DB_PASSWORD, ..., CONSOLE_DB_PASSWORD.
# MARKETPLACE_SERVICES overrides the list of services (tests create throw-away ones).
set -eu

for service in ${MARKETPLACE_SERVICES:-identity catalog orders payments analytics console}; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || true)"
  if [ -z "$password" ]; then
    echo "init-databases: $variable is not set" >&2
    exit 1
  fi
  # psql's :'name' quotes the value as a literal: a password may hold any character.
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v service="$service" -v password="$password" <<'SQL'
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
SQL
done
