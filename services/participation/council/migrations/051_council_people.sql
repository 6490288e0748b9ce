-- The people of the Council as the platform's sign-in knows them (issue 13).
--
-- council_members.subject: the member's subject (shared.people.new_subject(): 'person:<uuid>'),
-- so a signed-in council_member's principal maps to their member rows. One person (one e-mail
-- address) has one subject: rows of the same address share it, also across re-appointments.
alter table council_members add column subject text;

update council_members m
   set subject = s.subject
  from (select lower(email) as address, 'person:' || gen_random_uuid()::text as subject
          from council_members where email is not null group by lower(email)) s
 where m.email is not null and lower(m.email) = s.address;

update council_members set subject = 'person:' || gen_random_uuid()::text where subject is null;

alter table council_members alter column subject set not null;
create index council_members_subject on council_members (subject);
create index council_members_email on council_members (lower(email)) where email is not null;

-- The council secretaries the coordinator registered: the platform's only record of their
-- address (for the invitation and the e-mail sign-in). Removing one deletes the row.
create table council_secretaries (
    id          uuid primary key,
    subject     text not null,
    name        text not null,
    email       text not null,
    language    text not null default 'pl' check (language in ('pl', 'en', 'uk', 'ru', 'be')),
    added_at    timestamptz not null default now()
);
create unique index council_secretaries_email on council_secretaries (email);
create index council_secretaries_subject on council_secretaries (subject);
