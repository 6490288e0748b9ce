-- Issue 16 part 4: the rule a rejected question broke, one of domain.REJECTION_CODES, kept so
-- the tracking page can say it (the mail to the asker says it too). Staff's free-text
-- `reject_reason` stays internal. Numbered 022: 021 is the departments' migration.
alter table bench_questions add column if not exists reject_reason_code text;

-- Issue 16 part 4: a reply from the asker after the answer reopens the question as `follow_up`
-- until a second answer (in the same thread) makes it `answered` again.
alter table bench_questions drop constraint if exists bench_questions_status;
alter table bench_questions add constraint bench_questions_status check
    (status in ('received', 'accepted', 'assigned', 'answered', 'rejected', 'merged', 'follow_up'));
