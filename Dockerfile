# The worker and the web app: one image, two commands (see docker-compose.yml).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY domain/ domain/
COPY workflows/ workflows/
COPY activities/ activities/
COPY starter/ starter/
COPY web/ web/
COPY profiles/ profiles/
COPY worker.py ./
# Bytecode now, since nothing may write it later: the worker's sandbox imports the workflow
# modules afresh for every workflow run, and compiling their source each time nearly doubled
# the cost of starting or replaying one.
RUN pip install --no-cache-dir . \
    && python -m compileall -q domain workflows activities starter web worker.py \
    && useradd --system --uid 10001 --home-dir /app app \
    && mkdir /data && chown app /data

USER app

# Secrets come from the environment at run time, never from the image.
ENV PARTNERSHIP_PROFILE=/app/profiles/isle-of-wight.toml \
    OUTBOX_PATH=/data/outbox.sqlite3

HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["python", "-m", "starter", "health"]

CMD ["python", "worker.py"]
