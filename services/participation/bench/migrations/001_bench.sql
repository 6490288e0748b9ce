-- Intercultural Dialogue Bench: editions (dialogue sessions with the Mayor) and questions.

create table bench_editions (
    id                    uuid primary key,
    year                  int not null,
    number                int not null,
    title                 text not null,
    held_on               date not null,
    venue                 text not null,
    audience              text not null,
    submissions_close_at  timestamptz not null,
    answer_due_days       int not null check (answer_due_days between 1 and 365),
    status                text not null default 'open' check (status in ('open', 'closed', 'held')),
    created_at            timestamptz not null default now(),
    held_recorded_at      timestamptz,
    unique (year, number)
);

create table bench_questions (
    id                   uuid primary key,
    edition_id           uuid not null references bench_editions(id),
    reference            text not null unique,
    seq                  int not null,
    tracking_token_hash  text not null,
    channel              text not null check (channel in ('web', 'email', 'live', 'paper')),
    topic                text not null,
    language             text not null,
    grp                  text not null default 'undisclosed',
    text                 text not null,
    asker_name           text,
    asker_email          text,
    consent              boolean not null default false,
    status               text not null default 'received',
    received_at          timestamptz not null default now(),
    due_at               timestamptz not null,
    answered_at          timestamptz,
    unique (edition_id, seq),
    check (asker_email is null or consent)
);
create index bench_questions_edition on bench_questions (edition_id, received_at);

create table bench_answers (
    id           uuid primary key,
    question_id  uuid not null references bench_questions(id),
    text         text not null,
    language     text not null,
    answered_by  text not null,
    answered_at  timestamptz not null default now()
);
