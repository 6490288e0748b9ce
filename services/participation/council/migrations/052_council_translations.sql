-- Texts the secretariat types that residents read, in the reader's language (issue 14,
-- shared/content.py): the original stays in its column (Polish), the other versions in
-- `<field>_i18n` ({"en": "...", "uk": "..."}; never the original's language).
alter table council_calls add column title_i18n jsonb not null default '{}';
alter table council_calls add column description_i18n jsonb not null default '{}';
alter table council_meetings add column title_i18n jsonb not null default '{}';
alter table council_meetings add column place_i18n jsonb not null default '{}';
alter table council_agenda_items add column title_i18n jsonb not null default '{}';
alter table council_resolutions add column title_i18n jsonb not null default '{}';
alter table council_resolutions add column text_i18n jsonb not null default '{}';

-- The public page lists the next meetings (scheduled, from now on).
create index council_meetings_scheduled on council_meetings (starts_at) where status = 'scheduled';
