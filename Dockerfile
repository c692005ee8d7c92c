# mynaleak: the bot in a container (see README "Deploy").
#   docker build -t mynaleak:0.1.0 .
#   docker run --rm -e DATABASE_URL=postgresql://… mynaleak:0.1.0 migrate
#   docker run -p 3978:3978 -e DATABASE_URL=… -e MYNALEAK_AUDIT_KEY=… -e SLACK_BOT_TOKEN=… mynaleak:0.1.0
# Two stages: the builder installs the package and its wheels into /opt/venv; the final image copies
# only that venv onto the same slim base, so no compiler, pip cache or source tree ships.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY flows ./flows
COPY storage ./storage
RUN /opt/venv/bin/pip install --no-cache-dir /src \
    && /opt/venv/bin/python -m compileall -q /opt/venv/lib

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="mynaleak" \
      org.opencontainers.image.description="Slack and Microsoft Teams bot for My Number leak response"
# a fixed numeric uid/gid, so Kubernetes' runAsNonRoot can check it
RUN groupadd --system --gid 10001 mynaleak \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/mynaleak --create-home --shell /usr/sbin/nologin mynaleak
COPY --from=builder /opt/venv /opt/venv
# the bundled sample organisation file; mount your own over it (compose: a volume, Kubernetes: a ConfigMap)
COPY mynaleak.sample.yml /etc/mynaleak/mynaleak.yml
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MYNALEAK_CONFIG=/etc/mynaleak/mynaleak.yml \
    MYNALEAK_HOST=0.0.0.0 \
    PORT=3978
WORKDIR /var/lib/mynaleak
USER 10001:10001
EXPOSE 3978
# no curl in a slim image: the standard library asks /healthz (an HTTP error, 503 when the database is
# unreachable, or no answer makes urlopen raise, and the check fails)
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"]
ENTRYPOINT ["mynaleak"]
CMD ["run"]
