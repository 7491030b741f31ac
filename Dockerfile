# The bot for the city's server: `docker build -t ankommen-bot .` then
# `docker run -d --name ankommen --restart on-failure --env-file /etc/ankommen/bot.env \
#   -v ankommen-data:/data ankommen-bot`
# (README "Operations"). The database lives in the /data volume; everything else is in the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DB_PATH=/data/bot.sqlite3 \
    MODEL_CACHE_DIR=/data/model-cache

# Tesseract's German model for photos of letters (the OCR engine itself comes with tesserocr).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-deu \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so that a content change does not reinstall them.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin ankommen \
    && mkdir /data && chown ankommen:ankommen /data && chmod 700 /data
# The bot runs from /app (run_bot.py puts /app/bot first), so knowledge/ and locales/ are found
# next to it; the installed copy only brings the dependencies. .dockerignore keeps tests, tools
# and local data out.
COPY . .

USER ankommen
VOLUME ["/data"]
# Webhook mode (WEBHOOK_URL set; then also WEBHOOK_LISTEN=0.0.0.0) or the web chat (WEB_PORT set;
# then also WEB_HOST=0.0.0.0; with both, give them different ports).
EXPOSE 8080
# SIGTERM: finish the updates in progress and the outbox delivery, then exit 0.
STOPSIGNAL SIGTERM
CMD ["python", "run_bot.py"]
