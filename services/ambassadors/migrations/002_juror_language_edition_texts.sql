-- The language a juror reads their mail in (appointment, reminders); the coordinator picks it.
alter table jurors add column language text not null default 'pl'
    check (language in ('pl', 'en', 'uk'));
create index jurors_email on jurors (email);

-- The edition's own texts per language (title and a few words for the public pages):
-- {"pl": {"title": "...", "description": "..."}, "en": {...}, "uk": {...}}; '{}' for none.
alter table editions add column texts jsonb not null default '{}'::jsonb;
