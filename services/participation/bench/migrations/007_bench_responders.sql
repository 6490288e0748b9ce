-- The coordinator's registry of responders (issue 13): the people questions are assigned to,
-- known by name, address (normalised), department (free text until a departments registry
-- exists) and language (of the mails they get). One subject per address, reused when a
-- deactivated responder is added again or when an assignment by API named that address.
create table bench_responders (
    id              uuid primary key,
    subject         text not null,
    name            text not null,
    email           text not null,
    department      text not null,
    language        text not null,
    active          boolean not null default true,
    created_by      text not null,
    created_at      timestamptz not null default now(),
    deactivated_at  timestamptz
);
-- One active responder per address (a deactivated one may be added again).
create unique index bench_responders_active_email on bench_responders (email) where active;
create index bench_responders_subject on bench_responders (subject);

-- Answer templates are edited and retired on pages; a retired one is no longer offered.
alter table bench_answer_templates add column updated_at timestamptz;
alter table bench_answer_templates add column retired_at timestamptz;
