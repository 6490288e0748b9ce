"""Intercultural Dialogue Bench: editions, questions by web and e-mail, answers."""

from services.participation.bench import (
    api,
    intake,
    open_data,
    pages,
    people,
    privacy,
    scheduled,
)
from shared.privacy import PrivacyHooks

route_handlers = [*api.route_handlers, *pages.route_handlers]
consumers: list = []
jobs = [*scheduled.jobs]
cron_jobs = [*scheduled.cron_jobs]
background = [intake.smtp_intake]
privacy_hooks = PrivacyHooks(export=privacy.export, erase=privacy.erase)
people_hooks = people.hooks
datasets = open_data.datasets
