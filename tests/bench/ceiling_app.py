"""The bare ceiling: a Litestar endpoint that decodes a small msgspec Struct and inserts one row.

Run: python -m tests.bench.ceiling_app PORT DATABASE_URL
"""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import asyncpg
import msgspec
import uvicorn
from litestar import Litestar, post
from litestar.datastructures import State


class Item(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]
    topic: str
    language: str


def build(dsn: str) -> Litestar:
    async def startup(app: Litestar) -> None:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        await app.state.pool.execute(
            "create table if not exists bench_ceiling (id uuid primary key, text text, topic text, language text, at timestamptz default now())"
        )

    @post("/ceiling", status_code=201)
    async def insert(data: Item, state: State) -> dict[str, str]:
        row_id = uuid.uuid4()
        await state.pool.execute(
            "insert into bench_ceiling (id, text, topic, language) values ($1, $2, $3, $4)",
            row_id,
            data.text,
            data.topic,
            data.language,
        )
        return {"id": str(row_id)}

    return Litestar([insert], on_startup=[startup], logging_config=None)


if __name__ == "__main__":
    uvicorn.run(build(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
