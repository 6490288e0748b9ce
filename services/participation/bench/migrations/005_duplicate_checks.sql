-- Likely-duplicate suggestions are made in batches, one job per edition every couple of seconds
-- (not one job per question): questions not looked at yet have no duplicates_checked_at.
alter table bench_questions add column duplicates_checked_at timestamptz;
update bench_questions set duplicates_checked_at = now();
create index bench_questions_unchecked on bench_questions (edition_id, received_at)
    where duplicates_checked_at is null;
