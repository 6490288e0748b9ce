-- The public archive of answered questions (issue 14): the asker's consent to publish the
-- question and its answer without name or address, staff withholding one with a reason, staff
-- translations (pl/en/uk, never the original's language) of a question and of its answers, and
-- the folded, masked text the archive search reads (`search_text`: question, answers and every
-- translation, lower-case without diacritics, e-mail addresses and phone numbers masked; empty
-- until the question is answered, and again after an erasure). Numbered 020 to leave 008-019
-- to the Bench's other work of the same days.
create extension if not exists pg_trgm with schema public;

alter table bench_questions
    add column publish            boolean not null default false,
    add column publish_changed_at timestamptz,
    add column withheld_at        timestamptz,
    add column withheld_by        text,
    add column withheld_reason    text,
    add column text_i18n          jsonb not null default '{}',
    add column search_text        text not null default '';

alter table bench_answers
    add column text_i18n jsonb not null default '{}';

-- What the archive lists (newest answer first) and searches: only published questions.
create index bench_questions_archive on bench_questions (answered_at desc, id)
    where publish and withheld_at is null and status = 'answered';
create index bench_questions_archive_search on bench_questions
    using gin (search_text public.gin_trgm_ops)
    where publish and withheld_at is null and status = 'answered';
create index bench_answers_question on bench_answers (question_id, answered_at);
