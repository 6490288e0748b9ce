-- Council on Equal Treatment: settings, open calls, applications, members, meetings with their
-- invitations, agenda, attendance, minutes and resolutions. Personal data (names, e-mails,
-- organisations, free text) stays in these tables; events carry ids and counts only.

create table council_settings (
    id              boolean primary key default true check (id),
    -- Quorum: strictly more than quorum_percent % of current members present, and at least
    -- quorum_minimum members present.
    quorum_percent  int not null default 50 check (quorum_percent between 0 and 100),
    quorum_minimum  int not null default 1 check (quorum_minimum >= 0),
    updated_at      timestamptz not null default now()
);
insert into council_settings (id) values (true);

create table council_calls (
    id           uuid primary key,
    title        text not null,
    description  text not null,
    term_start   date not null,
    term_end     date not null,
    opens_at     timestamptz not null,
    closes_at    timestamptz not null,
    seats        jsonb not null,
    created_at   timestamptz not null default now(),
    check (term_end > term_start),
    check (closes_at > opens_at)
);

create table council_applications (
    id              uuid primary key,
    call_id         uuid not null references council_calls(id),
    reference       text not null unique,
    applicant_kind  text not null check (applicant_kind in ('organisation', 'individual')),
    category        text not null check (category in ('association', 'resident', 'city')),
    name            text not null,
    organisation    text,
    email           text not null,
    language        text not null,
    motivation      text not null,
    consent         boolean not null check (consent),
    status          text not null default 'received' check (status in ('received', 'appointed')),
    received_at     timestamptz not null default now()
);
create index council_applications_call on council_applications (call_id, received_at);

create table council_members (
    id              uuid primary key,
    call_id         uuid references council_calls(id),
    application_id  uuid unique references council_applications(id),
    name            text not null,
    organisation    text,
    email           text,
    language        text not null default 'pl',
    category        text not null check (category in ('association', 'resident', 'city')),
    term_start      date not null,
    term_end        date not null,
    replaces        uuid references council_members(id),
    appointed_at    timestamptz not null default now(),
    left_on         date,
    left_reason     text check (left_reason in ('resigned', 'replaced', 'term_ended', 'dismissed'))
);
create index council_members_current on council_members (category) where left_on is null;

create table council_meetings (
    id                    uuid primary key,
    title                 text not null,
    starts_at             timestamptz not null,
    place                 text not null,
    status                text not null default 'scheduled' check (status in ('scheduled', 'cancelled', 'held')),
    created_at            timestamptz not null default now(),
    cancelled_at          timestamptz,
    held_recorded_at      timestamptz,
    members_in_office     int,
    members_present       int,
    guests                int,
    quorum_reached        boolean,
    minutes_text          text,
    minutes_updated_at    timestamptz,
    minutes_approved_at   timestamptz,
    minutes_approved_at_meeting uuid references council_meetings(id)
);
create index council_meetings_starts on council_meetings (starts_at);

create table council_invitations (
    meeting_id    uuid not null references council_meetings(id),
    member_id     uuid not null references council_members(id),
    token_hash    text not null unique,
    response      text check (response in ('yes', 'no', 'maybe')),
    responded_at  timestamptz,
    invited_at    timestamptz not null default now(),
    reminded_at   timestamptz,
    primary key (meeting_id, member_id)
);

create table council_agenda_items (
    id                  uuid primary key,
    meeting_id          uuid not null references council_meetings(id),
    title               text not null,
    description         text,
    proposed_by_member  uuid references council_members(id),
    status              text not null check (status in ('proposed', 'accepted', 'declined')),
    created_at          timestamptz not null default now()
);
create index council_agenda_meeting on council_agenda_items (meeting_id, created_at);

create table council_attendance (
    meeting_id    uuid not null references council_meetings(id),
    position      int not null,
    name          text not null,
    organisation  text,
    member_id     uuid references council_members(id),
    primary key (meeting_id, position)
);
create unique index council_attendance_member on council_attendance (meeting_id, member_id)
    where member_id is not null;

create table council_resolutions (
    id                uuid primary key,
    meeting_id        uuid not null references council_meetings(id),
    number            text not null unique,
    kind              text not null check (kind in ('resolution', 'recommendation')),
    title             text not null,
    text              text not null,
    votes_for         int not null check (votes_for >= 0),
    votes_against     int not null check (votes_against >= 0),
    votes_abstaining  int not null check (votes_abstaining >= 0),
    adopted           boolean not null,
    voted_at          timestamptz not null default now()
);
create index council_resolutions_meeting on council_resolutions (meeting_id, voted_at);
