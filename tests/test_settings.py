"""Settings react to the environment as documented in .env.example."""

import pytest

# The values a settings module computes from the environment: importing the module is enough (and a
# fraction of django.setup(), which also loads every app); a fresh process reads the environment.
LOAD = "import importlib, os; settings = importlib.import_module(os.environ['DJANGO_SETTINGS_MODULE']); "
SETUP = "import django; django.setup(); from django.conf import settings; "

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-for-tests-only-0123456789abcdef",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ambient",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "ambient.example.com",
}


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS"])
def test_production_fails_fast_without_a_required_variable(run_django, missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = run_django(LOAD + "print(settings.SECRET_KEY)", settings="ambient.settings.production", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_settings_pass_the_deployment_checklist(run_django):
    code = (
        "import sys; from django.core.management import call_command; import django; django.setup(); "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    result = run_django(code, settings="ambient.settings.production", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr


def test_production_uses_redis_for_broker_and_channels(run_django):
    code = LOAD + "print(settings.CELERY_BROKER_URL); print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    result = run_django(code, settings="ambient.settings.production", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/0", "channels_redis.pubsub.RedisPubSubChannelLayer"]


def test_local_defaults_need_no_environment(run_django, tmp_path):
    code = (
        LOAD + "print(settings.DATABASES['default']['ENGINE']); print(settings.CELERY_BROKER_URL); "
        "print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    result = run_django(code, settings="ambient.settings.local", env={"AMBIENT_STATE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "memory://",
        "channels.layers.InMemoryChannelLayer",
    ]


def test_local_settings_follow_redis_url_like_production(run_django, tmp_path):
    code = LOAD + "print(settings.CELERY_BROKER_URL); print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    env = {"AMBIENT_STATE_DIR": str(tmp_path), "REDIS_URL": "redis://:pw@127.0.0.1:6380/0"}
    result = run_django(code, settings="ambient.settings.local", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://:pw@127.0.0.1:6380/0", "channels_redis.pubsub.RedisPubSubChannelLayer"]


def test_database_url_selects_postgresql(run_django, tmp_path):
    code = LOAD + "print(settings.DATABASES['default']['ENGINE'])"
    env = {"AMBIENT_STATE_DIR": str(tmp_path), "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ambient"}
    result = run_django(code, settings="ambient.settings.local", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_content_settings_serve_healthz_without_a_database(run_django):
    code = (
        SETUP + "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code, list(settings.INSTALLED_APPS), settings.DATABASES['default']['ENGINE'])"
    )
    result = run_django(code, settings="ambient.settings.content")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200 ['rest_framework', 'workspaces'] django.db.backends.dummy"
