#!/usr/bin/env bash
# `make airflow`: Airflow 3 on this machine (airflow standalone: SQLite metadata, LocalExecutor,
# api-server + scheduler + dag-processor + triggerer) running the project's DAGs on the demo landing zone.
# State: AIRFLOW_HOME=data/airflow, PIONEER_HOME=data/state, landing zone data/landing. Ctrl-C stops it.
# The API server and UI listen on 127.0.0.1 only; the environment of this Airflow is written to
# $AIRFLOW_HOME/env.sh so that a second shell can `source` it and use the airflow CLI.
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
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT=$PORT
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$PORT/execution/
export AIRFLOW__CORE__DEFAULT_TIMEZONE=Asia/Shanghai  # naive dates (e.g. --logical-date) are Shanghai time
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True
export PIONEER_HOME=${PIONEER_HOME:-$REPO/data/state}
export PIONEER_SOURCES=${PIONEER_SOURCES:-$REPO/data/landing}
export PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH}

if [ ! -f "$PIONEER_SOURCES/.generated" ]; then
  "$BIN/pioneer" demo-data --out "$PIONEER_SOURCES" --seed 1
  touch "$PIONEER_SOURCES/.generated"
fi

mkdir -p "$AIRFLOW_HOME"
ENV_FILE=$AIRFLOW_HOME/env.sh
{
  echo "# this Airflow's environment (written by scripts/airflow_local.sh): source it in a second shell"
  for name in PATH AIRFLOW_HOME AIRFLOW__CORE__DAGS_FOLDER AIRFLOW__CORE__LOAD_EXAMPLES \
      AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS AIRFLOW__API__HOST AIRFLOW__API__PORT \
      AIRFLOW__CORE__EXECUTION_API_SERVER_URL AIRFLOW__CORE__DEFAULT_TIMEZONE \
      AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION PIONEER_HOME PIONEER_SOURCES PYTHONPATH; do
    printf 'export %s=%q\n' "$name" "${!name}"
  done
} > "$ENV_FILE"
PASSWORDS=$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated
if [ ! -s "$PASSWORDS" ]; then  # airflow.cfg (generated on first use) holds the JWT secret and fernet key
  "$BIN/python" -c 'import json, secrets, sys; open(sys.argv[1], "w").write(json.dumps({"admin": secrets.token_urlsafe(12)}))' "$PASSWORDS"
fi
"$BIN/airflow" db migrate >/dev/null
"$BIN/airflow" pools import dags/pools.json >/dev/null

cat <<INFO
Airflow UI:  http://127.0.0.1:$PORT   login: admin / $("$BIN/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["admin"])' "$PASSWORDS")
             (users: [core] simple_auth_manager_users; passwords: $PASSWORDS)
             Times show in your browser's time zone (Airflow 3 has no server-side UI zone; the
             user menu -> Timezone switches it); the DAGs run on Asia/Shanghai time.
DAGs:        pioneer_nightly (01:30 Asia/Shanghai), pioneer_ingest, pioneer_refresh, pioneer_audit: created paused.
             Unpausing pioneer_nightly starts the most recent 01:30 night at once (Airflow runs
             the latest night it missed), then one each night; to run a chosen night instead,
             leave it paused and trigger that night from a second shell (below).
Second shell (paste):
             source $ENV_FILE
             airflow dags trigger pioneer_nightly --logical-date 2026-11-06T01:30:00+08:00
             airflow dags list-runs pioneer_nightly
Pipeline:    PIONEER_HOME=$PIONEER_HOME  landing=$PIONEER_SOURCES
INFO
exec "$BIN/airflow" standalone
