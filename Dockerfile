# policybot: the Telegram bot and the `policybot` command, with the bundled corpus indexed.
#   docker build -t policybot .
#   docker run -e TELEGRAM_BOT_TOKEN=... -v policybot-data:/data policybot
# docker-compose.yml runs it beside a Chroma server (see docs/scaling.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ANONYMIZED_TELEMETRY=False \
    POLICYBOT_DATA_DIR=/data

RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin policybot \
    && mkdir -p /data /chroma \
    && chown policybot:policybot /data /chroma

WORKDIR /app
COPY pyproject.toml README.md config.toml ./
COPY bot/ bot/
COPY retrieval/ retrieval/
COPY corpus/ corpus/
COPY prompts/ prompts/
# Editable, so config.toml, corpus/ and prompts/ are found beside the code (bot/config.py).
RUN pip install -e .

USER policybot
# Index the bundled corpus into the image: a new /data volume starts with it. (A bind-mounted,
# empty /data is indexed on first start instead.)
RUN policybot ingest corpus/documents

VOLUME ["/data"]
# webhook mode only (`policybot run --webhook`); polling needs no port
EXPOSE 8443
HEALTHCHECK --interval=60s --timeout=60s --start-period=300s --retries=3 \
    CMD policybot health || exit 1
CMD ["policybot", "run"]
