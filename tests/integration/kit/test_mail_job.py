"""The mail job never holds a transaction while the mail server talks: a slow or stalled SMTP
conversation must not hold back the outbox relay's horizon (found by the chaos test: events
stayed unpublished while the worker sent mail), and two workers still never send one message
at once."""

from __future__ import annotations

import asyncio
import threading
import uuid
from types import SimpleNamespace
from typing import Any

import asyncpg
from aiosmtpd.controller import Controller

from shared import mail, outbox
from shared.events import catalogue as ev
from shared.events import new_event, utcnow
from shared.mail import MailSender
from shared.runtime import send_mail
from tests.helpers.server import free_port
from tests.helpers.waiting import eventually


class StalledServer:
    """An SMTP server that takes a message and then waits to say 250 until told to."""

    def __init__(self) -> None:
        self.received = threading.Event()
        self.release = threading.Event()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        self.received.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return "250 OK"


async def test_a_stalled_mail_server_does_not_hold_back_the_outbox(
    scratch: tuple[str, asyncpg.Pool], tmp_path: Any
) -> None:
    schema, pool = scratch
    handler = StalledServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = mail.compose(
            sender="no-reply@openkrakow.local", to="ala@example.org", subject="Hi", text="Hej"
        )
        async with pool.acquire() as conn, conn.transaction():
            mail_id = await mail.queue(conn, message, purpose="test")
        runtime = SimpleNamespace(
            mailer=MailSender(f"smtp://127.0.0.1:{port}", tmp_path, "no-reply@openkrakow.local"),
            pool=lambda _schema: pool,
            settings=SimpleNamespace(mail_retry_delays=(1,)),
        )
        ctx = {"runtime": runtime}
        sending = asyncio.create_task(send_mail(ctx, schema, str(mail_id)))
        await eventually(
            lambda: asyncio.sleep(0, handler.received.is_set()), what="the server to get DATA"
        )
        # Meanwhile another transaction commits an event: it must be publishable at once.
        event = new_event(
            ev.BenchEditionSubmissionsOpened(edition_id=uuid.uuid4(), opened_at=utcnow()),
            producer="tests",
        )
        async with pool.acquire() as conn, conn.transaction():
            await outbox.add(conn, event)
        async with pool.acquire() as conn:
            horizon = await outbox.writers_horizon(conn)
            txid = await conn.fetchval("select txid from outbox where event_id=$1", event.id)
            # The mail job holds no transaction open while the server stalls (it would keep
            # row locks and the server's xmin for as long as a mail server takes).
            open_here = await conn.fetchval(
                "select count(*) from pg_stat_activity where datname = current_database()"
                " and pid <> pg_backend_pid() and state like 'idle in transaction%'"
            )
        assert horizon is None or txid < horizon, "the relay is held back"
        assert open_here == 0, "a transaction held open by the mail job"
        # A second worker given the same message while it is being sent leaves it alone.
        assert await send_mail(ctx, schema, str(mail_id)) == "being sent"
        handler.release.set()
        assert await asyncio.wait_for(sending, 30) == "sent"
        assert handler.count == 1
        assert await pool.fetchval(
            "select sent_at is not null from outgoing_mail where id=$1", mail_id
        )
        assert await send_mail(ctx, schema, str(mail_id)) == "already sent or being sent"
    finally:
        handler.release.set()
        controller.stop()
