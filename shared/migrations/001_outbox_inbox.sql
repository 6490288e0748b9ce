-- Kit tables every service schema has: the transactional outbox, the consumer inbox,
-- parked (dead-letter) events, Idempotency-Key responses and outgoing mail.

create table outbox (
    seq          bigint generated always as identity primary key,
    event_id     uuid not null unique,
    subject      text not null,
    body         bytea not null,
    created_at   timestamptz not null default now(),
    published_at timestamptz
);
create index outbox_unpublished on outbox (seq) where published_at is null;

create table inbox (
    consumer     text not null,
    event_id     uuid not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, event_id)
);

create table dead_letters (
    id           bigint generated always as identity primary key,
    consumer     text not null,
    event_id     uuid,
    subject      text not null,
    body         bytea not null,
    error        text not null,
    deliveries   int not null,
    parked_at    timestamptz not null default now(),
    resolved_at  timestamptz
);

create table idempotency_keys (
    scope        text not null,
    key          text not null,
    fingerprint  text not null,
    status       int,
    body         bytea,
    created_at   timestamptz not null default now(),
    primary key (scope, key)
);

create table outgoing_mail (
    id           uuid primary key,
    message_id   text not null unique,
    recipient    text not null,
    message      bytea not null,
    purpose      text not null,
    created_at   timestamptz not null default now(),
    attempts     int not null default 0,
    last_error   text,
    sent_at      timestamptz
);
create index outgoing_mail_unsent on outgoing_mail (created_at) where sent_at is null;
