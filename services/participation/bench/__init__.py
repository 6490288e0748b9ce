"""Intercultural Dialogue Bench: editions, questions by web and e-mail, answers."""

from services.participation.bench import api

route_handlers = [*api.route_handlers]
consumers: list = []
jobs: list = []
cron_jobs: list = []
background: list = []
