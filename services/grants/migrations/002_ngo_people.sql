-- NGO representatives as people: their address, name and language (e-mail sign-in, mails in
-- their language); a new organisation's registration and a second representative's request to
-- join, each confirmed from a mail before anything is created.

alter table representatives
    add column email    text,
    add column name     text,
    add column language text not null default 'pl' check (language in ('pl', 'en', 'uk'));
create index representatives_email on representatives (email);

-- Representatives bound through the API before this migration: the first one of each
-- organisation is the person who gave its address when registering it.
update representatives r set email = o.email, language = o.language
from organisations o
where o.id = r.organisation_id and r.email is null
  and r.subject = (select r2.subject from representatives r2
                   where r2.organisation_id = r.organisation_id
                   order by r2.added_at, r2.subject limit 1);

-- Someone who asked to register a new organisation: signed in by the link mailed to them, they
-- fill in the organisation form; nothing else exists until then. Purged when never completed.
create table registrations (
    subject        text primary key,
    email          text not null,
    name           text not null,
    language       text not null check (language in ('pl', 'en', 'uk')),
    requested_at   timestamptz not null,
    completed_at   timestamptz,
    organisation_id uuid references organisations(id)
);
create index registrations_pending on registrations (email) where completed_at is null;

-- A person asking to act for an already registered organisation: confirmed from their mail, then
-- approved or declined by one of its representatives.
create table join_requests (
    id              uuid primary key,
    organisation_id uuid not null references organisations(id),
    subject         text not null,
    email           text not null,
    name            text not null,
    language        text not null check (language in ('pl', 'en', 'uk')),
    requested_at    timestamptz not null,
    confirmed_at    timestamptz,
    decided_at      timestamptz,
    approved        boolean,
    decided_by      text
);
create index join_requests_open on join_requests (organisation_id) where decided_at is null;
create unique index join_requests_one_open on join_requests (organisation_id, email)
    where decided_at is null;
