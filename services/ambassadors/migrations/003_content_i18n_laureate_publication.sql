-- Issue 14: staff-entered texts in pl/en/uk, and what a laureate agreed to publish.

-- The edition's title and description: the original (Polish) in its own column, the other
-- versions in `<field>_i18n` ({"en": "...", "uk": "..."}), as shared/content.py reads them.
-- They replace `texts` (migration 002), whose versions move here.
alter table editions
    add column title            text  not null default '',
    add column title_i18n       jsonb not null default '{}'::jsonb,
    add column description      text  not null default '',
    add column description_i18n jsonb not null default '{}'::jsonb;

-- `texts` was written as a JSON string holding the object: read it as the object.
update editions set texts = (texts #>> '{}')::jsonb where jsonb_typeof(texts) = 'string';

update editions set
    title = coalesce(texts -> 'pl' ->> 'title', ''),
    description = coalesce(texts -> 'pl' ->> 'description', ''),
    title_i18n = jsonb_strip_nulls(jsonb_build_object(
        'en', nullif(texts -> 'en' ->> 'title', ''),
        'uk', nullif(texts -> 'uk' ->> 'title', ''))),
    description_i18n = jsonb_strip_nulls(jsonb_build_object(
        'en', nullif(texts -> 'en' ->> 'description', ''),
        'uk', nullif(texts -> 'uk' ->> 'description', '')));

alter table editions drop column texts;

-- A criterion's name in English and Ukrainian (the original, `name`, is Polish).
alter table criteria add column name_i18n jsonb not null default '{}'::jsonb;

-- What the laureate agreed to publish. At publication each laureate is mailed a link (its
-- token stored hashed) to a form: their name as it should appear and a short public
-- justification (prefilled from the nominator's text, at most 500 characters). Until they
-- agree — or after they decline, or after an erasure — the public pages say "Laureate (name
-- not published)" and show no justification. The coordinator may correct the public text and
-- add its translations (`public_justification_i18n`).
alter table laureates
    add column publication                text not null default 'pending'
        check (publication in ('pending', 'agreed', 'declined')),
    add column publication_token_hash     text,
    add column public_name                text,
    add column public_justification       text check (char_length(public_justification) <= 500),
    add column public_justification_i18n  jsonb not null default '{}'::jsonb,
    add column public_language            text not null default 'pl'
        check (public_language in ('pl', 'en', 'uk')),
    add column publication_decided_at     timestamptz;
