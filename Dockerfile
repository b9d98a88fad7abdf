# Production image: the web process (gunicorn) and the Celery worker share it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# WeasyPrint needs Pango; fonts for the PDF reports.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN useradd --create-home --uid 1000 cse \
 && mkdir -p /app/var/media \
 && chown -R cse /app/var \
 && DJANGO_ENV=production SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only-x1 \
    ALLOWED_HOSTS=build python manage.py collectstatic --noinput
USER cse
EXPOSE 8000
CMD ["gunicorn", "cse_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
