"""Benchmark part `archive`: the Bench's public archive search latency (issue 14) at 10,000 and
100,000 published answers, target p99 < 50 ms.

Synthetic multilingual questions and answers (pl, uk, en, ru, be; a quarter with staff
translations) are written straight into a database of their own with COPY, their search text
made by the same code as the service's (`archive.search_document`), then the archive's own query
(`store_archive.search`: count and the page, newest first) is timed for a mix of searches: a
frequent word, a rare word, two words, a Cyrillic word found through a translation, a Polish word
typed without diacritics, a filter without words, a later page.

    python -m tests.bench --parts archive        # this part only
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from services.participation.bench import archive
from services.participation.bench import store_archive as sa

SIZES = (10_000, 100_000)
TARGET_P99 = 0.050
ROUNDS = 40  # of each search, per size

TOPICS = ("education", "housing", "health_care", "legal_stay", "work", "urban_infrastructure")
WORDS = {
    "pl": "szkoła dziecko mieszkanie lekarz praca autobus tramwaj urząd wniosek karta pobytu "
    "dzielnica przedszkole kurs język polski czynsz umowa zasiłek biblioteka park ulica "
    "przystanek rejestracja dokumenty termin opłata zgłoszenie pomoc rodzina sąsiedzi "
    "wrzesień październik miasto prezydent odpowiedź pytanie".split(),
    "uk": "школа дитина житло лікар робота автобус трамвай ліцей заява карта побуту район "
    "дитсадок курс мова польська оренда договір допомога бібліотека парк вулиця зупинка "
    "реєстрація документи термін оплата родина сусіди вересень місто відповідь питання".split(),
    "en": "school child housing doctor work bus tram office application residence card "
    "district kindergarten course language polish rent contract benefit library park street "
    "stop registration documents deadline fee family neighbours september city answer".split(),
    "ru": "школа ребёнок жильё врач работа автобус трамвай заявление карта пребывания район "
    "садик курс язык польский аренда договор пособие библиотека парк улица".split(),
    "be": "школа дзіця жыллё лекар праца аўтобус трамвай заява карта пражывання раён "
    "садок курс мова польская арэнда дамова дапамога бібліятэка парк вуліца".split(),
}
LANGS = ("pl", "pl", "uk", "uk", "en", "ru", "be")


def sentence(rng: random.Random, lang: str, words: int) -> str:
    return " ".join(rng.choice(WORDS[lang]) for _ in range(words)).capitalize() + "."


def rows(count: int, editions: list[uuid.UUID], seed: int = 14) -> tuple[list[tuple], list[tuple]]:
    """(questions, answers) as COPY records; every question published and answered."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    questions, answers = [], []
    for n in range(count):
        lang = rng.choice(LANGS)
        text = " ".join(sentence(rng, lang, rng.randint(8, 16)) for _ in range(rng.randint(2, 4)))
        text += f" kod{n}"  # one rare word per question
        answer = " ".join(
            sentence(rng, "pl", rng.randint(10, 18)) for _ in range(rng.randint(3, 6))
        )
        q_i18n: dict[str, str] = {}
        a_i18n: dict[str, str] = {}
        if n % 4 == 0:
            for other in ("pl", "en", "uk"):
                if other != lang:
                    q_i18n[other] = sentence(rng, other, 14)
            a_i18n = {"uk": sentence(rng, "uk", 30), "en": sentence(rng, "en", 30)}
        received = start + timedelta(minutes=5 * n)
        answered = received + timedelta(days=rng.randint(1, 30))
        qid = uuid.uuid4()
        questions.append(
            (
                qid,
                editions[n % len(editions)],
                f"LD-B-{n}",
                n + 1,
                "x",
                "web",
                rng.choice(TOPICS),
                lang,
                text,
                "answered",
                received,
                received + timedelta(days=30),
                answered,
                received,
                True,
                q_i18n,
                archive.search_document(text, q_i18n, [(answer, a_i18n)]),
            )
        )
        answers.append((uuid.uuid4(), qid, answer, "pl", "bench", answered, a_i18n))
    return questions, answers


QUESTION_COLUMNS = (
    "id", "edition_id", "reference", "seq", "tracking_token_hash", "channel", "topic", "language",
    "text", "status", "received_at", "due_at", "answered_at", "moderated_at", "publish",
    "text_i18n", "search_text",
)  # fmt: skip
ANSWER_COLUMNS = (
    "id",
    "question_id",
    "text",
    "language",
    "answered_by",
    "answered_at",
    "text_i18n",
)


async def fill(conn: asyncpg.Connection, count: int) -> None:
    await conn.execute("truncate bench_answers, bench_questions, bench_editions cascade")
    editions = [uuid.uuid4() for _ in range(24)]
    await conn.copy_records_to_table(
        "bench_editions",
        records=[
            (
                e,
                2024 + i // 12,
                i % 12 + 1,
                f"Ławka {i}",
                date(2024, 1, 1) + timedelta(days=30 * i),
                "Sala",
                "all",
                datetime(2024, 1, 1, tzinfo=UTC),
                30,
                "held",
            )
            for i, e in enumerate(editions)
        ],  # fmt: skip
        columns=(
            "id",
            "year",
            "number",
            "title",
            "held_on",
            "venue",
            "audience",
            "submissions_close_at",
            "answer_due_days",
            "status",
        ),  # fmt: skip
    )
    questions, answers = rows(count, editions)
    # COPY's binary format has no encoder for jsonb: the translations go through text columns
    # of staging tables, then into the real ones in one statement each.
    for table, records, columns in (
        ("bench_questions", questions, QUESTION_COLUMNS),
        ("bench_answers", answers, ANSWER_COLUMNS),
    ):
        staging = f"copy_{table}"
        await conn.execute(f"drop table if exists {staging}")
        await conn.execute(f"create temp table {staging} (like {table} including defaults)")
        await conn.execute(f"alter table {staging} alter column text_i18n drop default")
        await conn.execute(f"alter table {staging} alter column text_i18n type text")
        await conn.execute(f"alter table {staging} add column search_text text")
        await conn.copy_records_to_table(
            staging,
            records=[
                tuple(json.dumps(v) if isinstance(v, dict) else v for v in r) for r in records
            ],
            columns=columns,
        )
        names = ", ".join("search_vector" if c == "search_text" else c for c in columns)
        selected = ", ".join(
            {
                "text_i18n": "text_i18n::jsonb",
                "search_text": "strip(to_tsvector('simple', search_text))",
            }.get(c, c)
            for c in columns
        )
        await conn.execute(f"insert into {table} ({names}) select {selected} from {staging}")
        await conn.execute(f"drop table {staging}")
    # What autovacuum does after a bulk load: statistics and the visibility map.
    await conn.execute("vacuum analyze bench_editions")
    await conn.execute("vacuum analyze bench_questions")
    await conn.execute("vacuum analyze bench_answers")


def searches(count: int) -> list[tuple[str, dict[str, Any], list[str], int]]:
    """(label, filters, folded terms, offset) of the mix timed."""
    return [
        ("frequent word", {}, archive.query_terms("szkoła"), 0),
        ("rare word", {}, archive.query_terms(f"kod{count // 2}"), 0),
        ("two words", {}, archive.query_terms("mieszkanie czynsz"), 0),
        ("Cyrillic word", {}, archive.query_terms("дитсадок"), 0),
        ("no diacritics", {}, archive.query_terms("wrzesien"), 0),
        ("topic only", {"topic": "housing"}, [], 0),
        ("word and topic, page 5", {"topic": "work"}, archive.query_terms("praca"), 80),
        ("no search, page 1", {}, [], 0),
    ]


async def measure(conn: asyncpg.Connection, count: int) -> tuple[float, float, dict[str, float]]:
    times: list[float] = []
    worst: dict[str, float] = {}
    mix = searches(count)
    for _label, filters, terms, offset in mix:  # warm the cache once
        await sa.search(conn, filters, terms, 20, offset)
    for _ in range(ROUNDS):
        for label, filters, terms, offset in mix:
            started = time.perf_counter()
            await sa.search(conn, filters, terms, 20, offset)
            took = time.perf_counter() - started
            times.append(took)
            worst[label] = max(worst.get(label, 0.0), took)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return statistics.median(times), p99, worst


async def run(database_url: str, report: Any, verdict: Callable[[bool], str]) -> None:
    """Create a database `archive` on the server, migrate the participation schema, measure."""
    from services.participation.app import service as participation
    from shared.db import create_pool
    from shared.migrate import migrate

    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute('drop database if exists "archive"')
        await admin.execute('create database "archive"')
    finally:
        await admin.close()
    url = database_url.rsplit("/", 1)[0] + "/archive"
    await migrate(url, participation.schema, participation.migrations)
    pool = await create_pool(url, participation.schema, max_size=1)
    try:
        print("\nPublic archive of answers: search latency")
        for size in SIZES:
            async with pool.acquire() as conn:
                started = time.perf_counter()
                await fill(conn, size)
                print(
                    f"  ({size:,} published answers written in {time.perf_counter() - started:.0f} s)"
                )
                p50, p99, worst = await measure(conn, size)
            report.add(
                f"archive search at {size:,} answers: p50 / p99",
                f"{p50 * 1000:.1f} ms / {p99 * 1000:.1f} ms",
                "p99 < 50 ms",
                verdict(p99 < TARGET_P99),
            )
            slowest = max(worst, key=lambda k: worst[k])
            load = os.getloadavg()[0]
            print(
                f"    slowest search: {slowest} ({worst[slowest] * 1000:.1f} ms); "
                f"load average {load:.1f} on {os.cpu_count()} cores (others' work inflates p99)"
            )
    finally:
        await pool.close()
