# syntax=docker/dockerfile:1
# One image per deployable, chosen by a build argument:
#   docker build --build-arg SERVICE=catalog -t marketplace-catalog .
# SERVICE is identity, catalog, orders, payments, analytics, gateway or console. The image runs that
# service's own command line: `web` (the default), `worker`, `db upgrade`, `dead-letters list`...
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv with the service and its dependencies (compilers stay in this stage) ---
FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "--build-arg SERVICE=identity|catalog|orders|payments|analytics|gateway|console is required"; exit 1; }
# A dependency without a wheel for the target platform (arm64, a newer Python) is compiled here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/marketplace
WORKDIR /src
COPY requirements/constraints.txt requirements/constraints.txt
COPY libs libs
COPY services services
COPY gateway gateway
COPY console console
# The same pinned versions as `make install`; non-editable installs carry migrations and static files.
RUN case "${SERVICE}" in gateway|console) package="${SERVICE}" ;; *) package="services/${SERVICE}" ;; esac \
 && test -f "${package}/pyproject.toml" \
 && /opt/marketplace/bin/pip install -c requirements/constraints.txt ./libs/contracts ./libs/chassis "./${package}" \
 && ln -s "/opt/marketplace/bin/${SERVICE}" /opt/marketplace/bin/app

# --- runtime: the virtualenv on a clean slim image, run by an unprivileged user ---
FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="marketplace-${SERVICE}" \
      org.opencontainers.image.description="Marketplace back office: ${SERVICE}"
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app \
 && install -d -o app -g app /var/lib/marketplace /var/lib/marketplace/clients /var/lib/marketplace/media
COPY --from=build /opt/marketplace /opt/marketplace
# /tmp is the only place written at run time (Prometheus' multiprocess files, embedded defaults);
# Kubernetes mounts an emptyDir there under a read-only root filesystem.
ENV PATH=/opt/marketplace/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MARKETPLACE_SERVICE=${SERVICE} \
    MARKETPLACE_VAR_DIR=/tmp/marketplace \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics \
    WEB_BIND=0.0.0.0:8000
USER 10001:10001
WORKDIR /var/lib/marketplace
EXPOSE 8000
# The web process' liveness; a worker container overrides it (docker-compose.yml) with its metrics port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=2)"]
ENTRYPOINT ["app"]
CMD ["web"]
