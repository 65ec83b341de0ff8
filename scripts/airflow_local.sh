#!/usr/bin/env bash
# `make airflow`: Airflow 3 on this machine (airflow standalone: SQLite metadata, LocalExecutor,
# api-server + scheduler + dag-processor + triggerer) running the project's DAGs on the demo landing zone.
# State: AIRFLOW_HOME=data/airflow, PIONEER_HOME=data/state, landing zone data/landing. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BIN=$REPO/${VENV:-.venv}/bin
export PATH=$BIN:$PATH  # standalone starts its components as `airflow ...`
PORT=${AIRFLOW_PORT:-8080}

export AIRFLOW_HOME=${AIRFLOW_HOME:-$REPO/data/airflow}
export AIRFLOW__CORE__DAGS_FOLDER=$REPO/dags
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin
export AIRFLOW__API__PORT=$PORT
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://localhost:$PORT/execution/
export PIONEER_HOME=${PIONEER_HOME:-$REPO/data/state}
export PIONEER_SOURCES=${PIONEER_SOURCES:-$REPO/data/landing}
export PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH}

if [ ! -f "$PIONEER_SOURCES/.generated" ]; then
  "$BIN/pioneer" demo-data --out "$PIONEER_SOURCES" --seed 1
  touch "$PIONEER_SOURCES/.generated"
fi

mkdir -p "$AIRFLOW_HOME"
PASSWORDS=$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated
if [ ! -s "$PASSWORDS" ]; then  # airflow.cfg (generated on first use) holds the JWT secret and fernet key
  "$BIN/python" -c 'import json, secrets, sys; open(sys.argv[1], "w").write(json.dumps({"admin": secrets.token_urlsafe(12)}))' "$PASSWORDS"
fi
"$BIN/airflow" db migrate >/dev/null
"$BIN/airflow" pools import dags/pools.json >/dev/null

cat <<INFO
Airflow UI:  http://localhost:$PORT   login: admin / $("$BIN/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["admin"])' "$PASSWORDS")
             (users: [core] simple_auth_manager_users; passwords: $PASSWORDS)
DAGs:        pioneer_nightly (01:30 Asia/Shanghai), pioneer_ingest, pioneer_refresh -- paused at first;
             trigger one night: $BIN/airflow dags trigger pioneer_nightly --logical-date 2026-11-06T01:30:00+08:00
Pipeline:    PIONEER_HOME=$PIONEER_HOME  landing=$PIONEER_SOURCES
INFO
exec "$BIN/airflow" standalone
