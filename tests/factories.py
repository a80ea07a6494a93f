"""factory-boy factories for the database rows the project keeps (users, condition history)."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from reconciler.models import ConditionTransition


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("a-long-test-password")


class ConditionTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConditionTransition

    namespace = "team-a"
    session_name = factory.Sequence(lambda n: f"session-{n}")
    session_uid = factory.Faker("uuid4")
    condition_type = "Ready"
    status = "True"
    previous_status = "False"
    reason = "Running"
    message = "Session is running"
    observed_generation = 1
    transitioned_at = factory.Sequence(lambda n: dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=n))
