-- Issue 16 part 4: the rule a rejected question broke, one of domain.REJECTION_CODES, kept so
-- the tracking page can say it (the mail to the asker says it too). Staff's free-text
-- `reject_reason` stays internal. Numbered 022: 021 is the departments' migration.
alter table bench_questions add column if not exists reject_reason_code text;
