"""A rejected question tells its asker why and where else to turn (issue 16 part 4): the mail in
their language (Russian and Belarusian: English and Ukrainian), and the tracking page."""

from __future__ import annotations

from tests.helpers.platform import RunningPlatform
from tests.integration.bench.bench_helpers import (
    ask,
    body_text,
    mail_arrives,
    mails_to,
    new_edition,
)


async def _reject(platform: RunningPlatform, qid: str, **body: object) -> None:
    resp = await platform.client.post(
        f"/api/bench/questions/{qid}/moderation",
        json={"decision": "rejected", "reason": "Reklama szkoły językowej", **body},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text


async def test_a_rejection_is_mailed_in_ukrainian_with_the_rule_and_the_information_point(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    created = await ask(platform, edition["id"], email="mykola.r@example.org", language="uk")
    ack = (await mail_arrives(platform, "mykola.r@example.org"))[0]
    await _reject(platform, created["id"], reason_code="spam")

    mail = (await mail_arrives(platform, "mykola.r@example.org", count=2))[1]
    assert created["reference"] in str(mail["Subject"])
    assert "не прийнято" in str(mail["Subject"])
    text = body_text(mail)
    assert "Причина: Воно схоже на рекламу чи масове повідомлення" in text
    assert "Інформаційний пункт для іноземців" in text
    # Staff's own words stay internal; only the rule is told.
    assert "Reklama szkoły językowej" not in text
    # In the question's thread, after the acknowledgement.
    assert str(ack["Message-ID"]) in str(mail["In-Reply-To"])

    page = await platform.client.get(
        "/bench/track",
        params={
            "reference": created["reference"],
            "token": created["tracking_token"],
            "lang": "uk",
        },
    )
    assert page.status_code == 200
    assert 'id="rejection"' in page.text
    assert "Воно схоже на рекламу чи масове повідомлення" in page.text
    assert "Інформаційний пункт для іноземців" in page.text


async def test_a_russian_asker_reads_english_and_ukrainian_and_no_code_means_other(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    created = await ask(platform, edition["id"], email="ivan.s@example.org", language="ru")
    await mail_arrives(platform, "ivan.s@example.org")
    await _reject(platform, created["id"])
    text = body_text((await mail_arrives(platform, "ivan.s@example.org", count=2))[1])
    assert "Why: It does not meet the rules of the Dialogue Bench." in text
    assert "Причина: Воно не відповідає правилам Лавки діалогу." in text
    assert "Information Point for Foreigners" in text


async def test_an_accepted_question_and_an_asker_without_address_get_no_rejection_mail(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    kept = await ask(platform, edition["id"], email="anna.p@example.org", language="pl")
    await mail_arrives(platform, "anna.p@example.org")
    resp = await platform.client.post(
        f"/api/bench/questions/{kept['id']}/moderation",
        json={"decision": "accepted"},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    silent = await ask(platform, edition["id"], email=None, consent=False, language="pl")
    await _reject(platform, silent["id"], reason_code="off_topic")
    page = await platform.client.get(
        "/bench/track",
        params={"reference": kept["reference"], "token": kept["tracking_token"], "lang": "pl"},
    )
    assert 'id="rejection"' not in page.text
    page = await platform.client.get(
        "/bench/track",
        params={"reference": silent["reference"], "token": silent["tracking_token"], "lang": "pl"},
    )
    assert "Powód: Nie dotyczy Krakowa ani spraw, za które odpowiada miasto." in page.text
    assert "Punkt Informacyjny dla Cudzoziemców" in page.text
    assert len(mails_to(platform, "anna.p@example.org")) == 1
