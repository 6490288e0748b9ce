-- The language a juror reads their mail in (appointment, reminders); the coordinator picks it.
alter table jurors add column language text not null default 'pl'
    check (language in ('pl', 'en', 'uk'));
create index jurors_email on jurors (email);
