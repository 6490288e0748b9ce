-- Grants staff (issue 13): the coordinator's and evaluators' pages. Every change is additive:
-- the API's contract fields stay as they were.

-- The coordinator's dates (Europe/Warsaw days): the formal check's, if set, and the evaluators'
-- (null on calls made before: then none is overdue).
alter table calls add column formal_check_due_on date;
alter table calls add column evaluation_due_on date;

-- A criterion's name in pl/en/uk ({"pl": "...", "en": "...", "uk": "..."}); `name` stays the
-- name the API was given (and shown where a language has none).
alter table criteria add column translations jsonb not null default '{}';

-- The formal check per formal criterion: [{"criterion": "...", "passed": bool, "reason": "..."}]
-- (null: checked through the API with a single eligible/reason).
alter table applications add column formal_findings jsonb;

-- An evaluator's language (their invitation and sign-in mails), and their removal from the pool
-- (the row stays for the evaluations they made; open assignments go to others).
alter table evaluators add column language text not null default 'pl'
    check (language in ('pl', 'en', 'uk'));
alter table evaluators add column removed_at timestamptz;
create index evaluators_email on evaluators (lower(email));

-- An evaluator's comment per criterion ({criterion key: text}), besides the overall comment.
alter table assignments add column comments jsonb;

-- The city's review of a final report: accepted, or returned with a comment (the NGO corrects it).
alter table reports add column review text check (review in ('accepted', 'returned'));
alter table reports add column review_comment text;
alter table reports add column reviewed_at timestamptz;
alter table reports add column reviewed_by text;
