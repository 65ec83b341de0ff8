# One image for every Airflow component of the Pioneer Index pipeline (api-server, scheduler,
# dag-processor, triggerer, init): the locked dependencies, Airflow 3.3.2, the project and its DAGs.
FROM python:3.11-slim

ARG AIRFLOW_VERSION=3.3.2
ARG UV_VERSION=0.13.8
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/pioneer/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    PYTHONPATH=/opt/pioneer \
    PIONEER_HOME=/data/state \
    PIONEER_SOURCES=/data/landing

WORKDIR /opt/pioneer
COPY requirements.lock ./
RUN pip install --no-cache-dir uv==${UV_VERSION} \
    && uv pip install --system --no-cache -r requirements.lock \
    && python -c "import airflow, sys; sys.exit(airflow.__version__ != '${AIRFLOW_VERSION}')"

# The project is installed editable: dbt runs from /opt/pioneer/dbt_project next to the code.
COPY pyproject.toml ./
COPY core ./core
COPY pioneer ./pioneer
COPY ingest ./ingest
COPY expectations ./expectations
COPY exports ./exports
COPY dbt_project ./dbt_project
COPY dags ./dags
RUN uv pip install --system --no-cache --no-deps -e . \
    && useradd --uid 50000 --create-home airflow \
    && mkdir -p /opt/airflow/logs /opt/airflow/auth /data/state /data/landing \
    && chown -R airflow /opt/airflow /data

USER airflow
EXPOSE 8080
