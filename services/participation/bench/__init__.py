"""Intercultural Dialogue Bench: editions, questions by web and e-mail, answers."""

from services.participation.bench import (
    api,
    intake,
    mail_pages,
    pages,
    privacy,
    scheduled,
    session_pages,
    staff_api,
    staff_pages,
)
from shared.privacy import PrivacyHooks

route_handlers = [
    *api.route_handlers,
    *staff_api.route_handlers,
    *pages.route_handlers,
    *staff_pages.route_handlers,
    *mail_pages.route_handlers,
    *session_pages.route_handlers,
]
consumers: list = []
jobs = [*scheduled.jobs]
cron_jobs = [*scheduled.cron_jobs]
background = [intake.smtp_intake]
privacy_hooks = PrivacyHooks(export=privacy.export, erase=privacy.erase)
