-- Incident reports (programme objective 6: response to racist and xenophobic incidents).
-- A report is anonymous unless the reporter leaves an address; what they wrote stays here.

create sequence report_numbers;

create table reports (
    id                  uuid primary key,
    reference           text not null unique,
    what                text not null,
    place               text not null,
    district            text,
    occurred_on         date not null,
    occurred_time       time,
    category            text not null,
    reported_to_police  text not null check (reported_to_police in ('yes', 'no', 'unsure')),
    email               text,
    language            text not null,
    channel             text not null default 'web',
    status              text not null default 'received'
                        check (status in ('received', 'triaged', 'referred', 'closed')),
    confirmed_category  text,
    severity            text check (severity in ('low', 'medium', 'high')),
    referred_to         text check (referred_to in ('police', 'ngo', 'department')),
    referral_note       text,
    reported_at         timestamptz not null default now(),
    triaged_at          timestamptz,
    referred_at         timestamptz,
    erased_at           timestamptz
);
create index reports_newest on reports (reported_at desc);
create index reports_waiting on reports (reported_at) where status = 'received';

-- Every step of a report: who did what, when (the report's history).
create table report_steps (
    id          bigserial primary key,
    report_id   uuid not null references reports(id),
    step        text not null check (step in ('reported', 'triaged', 'referred', 'erased')),
    actor       text not null,
    detail      jsonb not null default '{}',
    note        text,
    at          timestamptz not null default now()
);
create index report_steps_report on report_steps (report_id, id);

-- The response team, kept by the coordinator: who may sign in by e-mail as `response_team`.
create table team_members (
    id          uuid primary key,
    subject     text not null unique,
    name        text not null,
    email       text not null unique,
    language    text not null default 'pl',
    added_by    text not null,
    added_at    timestamptz not null default now(),
    removed_at  timestamptz
);
