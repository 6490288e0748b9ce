"""The Bench's pages (pl/en/uk, no JavaScript) by audience: `public.py` (residents: editions,
the question form, tracking), `staff.py` (the queue and a question), `session.py` (the
coordinator's session page), `mail.py` (e-mail moderation), `directory.py` (responders, answer templates), `departments.py` (the departments' registry), `archive.py` (the public archive of answers,
the asker's consent, the coordinator's withholding), `feedback.py` (the asker's verdict on the answer); `forms.py` is what the staff pages
share. Each form calls the same command as its API route and says a refusal in the page's
language."""

from services.participation.bench.pages import (
    archive,
    departments,
    directory,
    feedback,
    mail,
    public,
    session,
    staff,
)

route_handlers = [
    *public.route_handlers,
    *staff.route_handlers,
    *mail.route_handlers,
    *session.route_handlers,
    *directory.route_handlers,
    *departments.route_handlers,
    *archive.route_handlers,
    *feedback.route_handlers,
]
