-- Translations of an edition's resident-facing texts (issue 14, shared/content.py): the original
-- stays in title/venue/audience (Polish, staff-entered); the other versions typed by staff are
-- kept here as {"en": "...", "uk": "..."}. Pages show the reader's version, or the original
-- marked with its language and a note.
alter table bench_editions
    add column title_i18n    jsonb not null default '{}',
    add column venue_i18n    jsonb not null default '{}',
    add column audience_i18n jsonb not null default '{}';

-- Answer templates in several languages: the template's `language` is its original; its versions
-- in the other content languages (pl/en/uk) are kept here, so a responder answering in Ukrainian
-- is offered the Ukrainian version of a Polish template.
alter table bench_answer_templates add column text_i18n jsonb not null default '{}';
