-- Requests to export or erase a person's data (GDPR art. 15 and 17), kept as the record that
-- they were made and carried out. The address itself is never kept: `subject_hash` is a keyed
-- hash (HMAC with the platform's secret key) of the normalised address. An erasure keeps the
-- address and subject id only while it is pending, to finish its parts; both are cleared in the
-- transaction that completes it.

create table privacy_requests (
    id            uuid primary key,
    kind          text not null check (kind in ('export', 'erasure')),
    subject_hash  text not null,
    email         text,
    subject       text,
    status        text not null check (status in ('pending', 'completed')),
    requested_by  text not null,
    requested_at  timestamptz not null default now(),
    completed_at  timestamptz,
    check (status = 'pending' or (email is null and subject is null and completed_at is not null))
);
create index privacy_requests_hash on privacy_requests (subject_hash, requested_at);
-- One pending erasure per address: asking again while it runs returns the same request.
create unique index privacy_one_pending_erasure on privacy_requests (subject_hash)
    where kind = 'erasure' and status = 'pending';
create index privacy_requests_pending on privacy_requests (requested_at) where status = 'pending';

-- Each service's part of an erasure, done in that service's own transaction (which also marks
-- the part done here, so a part is never done twice nor counted twice).
create table privacy_request_parts (
    request_id  uuid not null references privacy_requests(id),
    service     text not null,
    status      text not null default 'pending' check (status in ('pending', 'done')),
    attempts    int not null default 0,
    last_error  text,
    counts      jsonb not null default '{}',
    done_at     timestamptz,
    primary key (request_id, service)
);
