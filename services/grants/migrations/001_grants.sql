-- Small grants: organisations, calls, applications, evaluation, decision, reports.

create table organisations (
    id             uuid primary key,
    name           text not null,
    nip            text not null unique,
    krs            text,
    kind           text not null check (kind in ('ngo', 'minority_organisation')),
    email          text not null,
    phone          text,
    language       text not null default 'pl' check (language in ('pl', 'en', 'uk')),
    registered_at  timestamptz not null default now()
);

-- People who act for an organisation (the `ngo` role scoped to it).
create table representatives (
    organisation_id uuid not null references organisations(id),
    subject         text not null,
    added_at        timestamptz not null default now(),
    primary key (organisation_id, subject)
);
create index representatives_subject on representatives (subject);

create table calls (
    id                          uuid primary key,
    title                       text not null,
    description                 text not null default '',
    translations                jsonb not null default '{}',
    currency                    text not null check (currency in ('PLN', 'EUR')),
    budget_total                bigint not null check (budget_total > 0),
    max_per_grant               bigint not null check (max_per_grant > 0),
    opens_at                    timestamptz not null,
    closes_at                   timestamptz not null,
    eligible_kinds              text[] not null,
    objectives                  int[] not null,
    evaluators_per_application  int not null check (evaluators_per_application >= 2),
    allow_partial_funding       boolean not null default false,
    report_due_on               date not null,
    created_by                  text not null,
    created_at                  timestamptz not null default now(),
    decision_published_at       timestamptz,
    check (closes_at > opens_at),
    check (max_per_grant <= budget_total)
);

create table criteria (
    call_id     uuid not null references calls(id),
    position    int not null,
    key         text not null,
    name        text not null,
    weight      numeric not null check (weight > 0),
    max_points  int not null check (max_points > 0),
    primary key (call_id, key),
    unique (call_id, position)
);

create table applications (
    id               uuid primary key,
    call_id          uuid not null references calls(id),
    organisation_id  uuid not null references organisations(id),
    title            text not null,
    summary          text not null,
    objectives       int[] not null,
    requested        bigint not null,
    currency         text not null,
    budget_lines     jsonb not null,
    status           text not null default 'draft' check (status in (
                        'draft', 'submitted', 'withdrawn', 'eligible', 'ineligible', 'awarded', 'not_awarded')),
    created_by       text not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    submitted_at     timestamptz,
    withdrawn_at     timestamptz,
    formal_eligible  boolean,
    formal_reason    text,
    formal_checked_at timestamptz,
    formal_checked_by text
);
create index applications_call on applications (call_id, status);
create index applications_org on applications (organisation_id, created_at desc);

create table evaluators (
    id                    uuid primary key,
    call_id               uuid not null references calls(id),
    subject               text not null,
    name                  text not null,
    email                 text not null,
    linked_organisations  uuid[] not null default '{}',
    joined_at             timestamptz not null default now(),
    unique (call_id, subject)
);

-- One row per evaluator assigned to an application; a declared conflict keeps the row
-- (the evaluator is never assigned there again) and a replacement gets a new one.
create table assignments (
    application_id        uuid not null references applications(id),
    evaluator_id          uuid not null references evaluators(id),
    assigned_at           timestamptz not null default now(),
    conflict_of_interest  boolean not null default false,
    scores                jsonb,
    score                 numeric,
    comment               text,
    submitted_at          timestamptz,
    primary key (application_id, evaluator_id)
);
create index assignments_evaluator on assignments (evaluator_id);

create table awards (
    application_id  uuid primary key references applications(id),
    call_id         uuid not null references calls(id),
    amount          bigint not null check (amount > 0),
    currency        text not null,
    rank            int not null,
    score           numeric not null,
    report_due_on   date not null,
    awarded_at      timestamptz not null default now(),
    overdue_flagged_at timestamptz
);
create index awards_report_due on awards (report_due_on) where overdue_flagged_at is null;

create table reports (
    application_id        uuid primary key references awards(application_id),
    activities            text not null,
    participants_reached  int not null check (participants_reached >= 0),
    spent                 bigint not null check (spent >= 0),
    currency              text not null,
    submitted_by          text not null,
    submitted_at          timestamptz not null default now()
);
