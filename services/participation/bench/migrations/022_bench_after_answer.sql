-- Issue 16 part 4: the rule a rejected question broke, one of domain.REJECTION_CODES, kept so
-- the tracking page can say it (the mail to the asker says it too). Staff's free-text
-- `reject_reason` stays internal. Numbered 022: 021 is the departments' migration.
alter table bench_questions add column if not exists reject_reason_code text;

-- Issue 16 part 4: a reply from the asker after the answer reopens the question as `follow_up`
-- until a second answer (in the same thread) makes it `answered` again.
alter table bench_questions drop constraint if exists bench_questions_status;
alter table bench_questions add constraint bench_questions_status check
    (status in ('received', 'accepted', 'assigned', 'answer_in_review', 'answered', 'rejected',
                'merged', 'follow_up'));

-- Issue 16 part 5: the asker's verdict on the answer. The answer mail carries two links with one
-- token (stored hashed); the first confirmed click records `helpful` once, later ones change
-- nothing.
alter table bench_questions
    add column if not exists feedback_token_hash text,
    add column if not exists helpful boolean,
    add column if not exists feedback_at timestamptz;
create unique index if not exists bench_questions_feedback_token
    on bench_questions (feedback_token_hash) where feedback_token_hash is not null;
