# The runner image every session's Job runs (`python -m runner`): the runner package, its own
# requirements (the agent SDK among them) and the Django-free session contract — nothing else.
#   docker build -f docker/runner.Dockerfile -t quay.io/ambient_code/ambient_runner:0.1.0 .
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY runner/requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1001 --user-group --home-dir /tmp --no-create-home --shell /usr/sbin/nologin runner
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY ambient/__init__.py ambient/contract.py ambient/
COPY runner runner
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp
USER 1001
CMD ["python", "-m", "runner"]
