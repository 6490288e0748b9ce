-- Ambassador of Multiculturalism: editions, criteria, nominations, jury, scorecards, results.

create table editions (
    id                    uuid primary key,
    year                  int not null,
    number                int not null,
    nominations_close_at  timestamptz not null,
    jury_deadline_at      timestamptz not null,
    titles                int not null check (titles between 1 and 50),
    created_by            text not null,
    created_at            timestamptz not null default now(),
    published_at          timestamptz,
    published_by          text,
    unique (year, number),
    check (jury_deadline_at >= nominations_close_at)
);

create table criteria (
    edition_id  uuid not null references editions(id),
    key         text not null,
    name        text not null,
    weight      double precision not null check (weight > 0),
    position    int not null,
    primary key (edition_id, key)
);

-- One row per submission. A duplicate nomination of the same candidate (same e-mail address in
-- the same edition) is kept as its own row with status 'merged' and merged_into the candidacy
-- it joined, so every nominator and every justification stays on record.
create table nominations (
    id                     uuid primary key,
    edition_id             uuid not null references editions(id),
    seq                    int not null,
    reference              text not null unique,
    candidate_name         text not null,
    candidate_email        text not null,
    justification          text not null,
    nominator_name         text not null,
    nominator_email        text not null,
    nominator_group        text not null default 'undisclosed',
    language               text not null default 'pl',
    consent                boolean not null check (consent),
    status                 text not null check (status in ('awaiting_acceptance', 'accepted', 'merged', 'withdrawn')),
    merged_into            uuid references nominations(id),
    acceptance_token_hash  text,
    withdrawal_token_hash  text not null,
    submitted_at           timestamptz not null default now(),
    accepted_at            timestamptz,
    merged_at              timestamptz,
    withdrawn_at           timestamptz,
    withdrawn_by           text,
    unique (edition_id, seq),
    check ((status = 'merged') = (merged_into is not null) or status = 'withdrawn')
);
create index nominations_edition on nominations (edition_id, seq);
create index nominations_candidate on nominations (edition_id, candidate_email) where status <> 'withdrawn';

create table jurors (
    id                  uuid primary key,
    edition_id          uuid not null references editions(id),
    subject             text not null,
    name                text not null,
    email               text not null,
    appointed_by        text not null,
    appointed_at        timestamptz not null default now(),
    unique (edition_id, subject)
);

-- Links a juror declared to a candidacy: the juror never sees it, nor scores it.
create table juror_links (
    juror_id       uuid not null references jurors(id),
    nomination_id  uuid not null references nominations(id),
    primary key (juror_id, nomination_id)
);

-- One final decision per juror and nomination: a scorecard or a recusal (scores null).
create table scorecards (
    juror_id       uuid not null references jurors(id),
    nomination_id  uuid not null references nominations(id),
    scores         jsonb,
    comment        text,
    recused        boolean not null,
    submitted_at   timestamptz not null default now(),
    primary key (juror_id, nomination_id),
    check (recused = (scores is null))
);
create index scorecards_nomination on scorecards (nomination_id);

create table laureates (
    edition_id     uuid not null references editions(id),
    nomination_id  uuid not null references nominations(id) unique,
    position       int not null,
    primary key (edition_id, position)
);

create table mayor_meetings (
    id             uuid primary key,
    edition_id     uuid not null references editions(id),
    held_on        date not null,
    place          text not null,
    notes          text,
    recorded_by    text not null,
    recorded_at    timestamptz not null default now()
);

create table mayor_meeting_attendance (
    meeting_id     uuid not null references mayor_meetings(id),
    nomination_id  uuid not null references nominations(id),
    primary key (meeting_id, nomination_id)
);

-- Reminders already sent, so the daily job never sends one twice.
create table jury_reminders (
    juror_id     uuid not null references jurors(id),
    days_before  int not null,
    sent_at      timestamptz not null default now(),
    primary key (juror_id, days_before)
);
