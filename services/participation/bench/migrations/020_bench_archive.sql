-- The public archive of answered questions (issue 14): the asker's consent to publish the
-- question and its answer without name or address, staff withholding one with a reason, staff
-- translations (pl/en/uk, never the original's language) of a question and of its answers, and
-- the words the archive search reads (`search_vector`: of the question, its answers and every
-- translation, e-mail addresses and phone numbers masked, then lower-case, Cyrillic written in
-- Latin letters and diacritics dropped, so that the words are plain ASCII — `archive.py` —,
-- in the `simple` configuration: no stemming, no stop words, any language; without positions
-- and without the folded text itself, so rows stay narrow; empty until the question is
-- answered, and again after an erasure).
--
-- Why words and not pg_trgm: the embedded server runs with --locale=C, where pg_trgm (and the
-- text search parser) see no letters in Cyrillic, so a Ukrainian word scanned every row; and
-- counting a frequent word rechecked tens of thousands of long texts. Measured by
-- `python -m tests.bench --parts archive` (README). Numbered 020 to leave 008-019 to the
-- Bench's other work of the same days.

alter table bench_questions
    add column publish            boolean not null default false,
    add column publish_changed_at timestamptz,
    add column withheld_at        timestamptz,
    add column withheld_by        text,
    add column withheld_reason    text,
    add column text_i18n          jsonb not null default '{}',
    add column search_vector      tsvector not null default ''::tsvector;

alter table bench_answers
    add column text_i18n jsonb not null default '{}';

-- What the archive lists (newest answer first) and searches: only published questions. Answered
-- is `answered_at`, not the status, which may move on (a follow-up after the answer).
create index bench_questions_archive on bench_questions (answered_at desc, id)
    where publish and withheld_at is null and answered_at is not null;
-- A topic or a session chosen: its newest answers first without reading the others'.
create index bench_questions_archive_topic on bench_questions (topic, answered_at desc, id)
    where publish and withheld_at is null and answered_at is not null;
create index bench_questions_archive_edition on bench_questions (edition_id, answered_at desc, id)
    where publish and withheld_at is null and answered_at is not null;
create index bench_questions_archive_search on bench_questions using gin (search_vector)
    where publish and withheld_at is null and answered_at is not null;
create index bench_answers_question on bench_answers (question_id, answered_at);
