-- Who wrote each follow-up (the normalised address of the reply's sender). A reply joins a
-- question's thread only when its sender is the asker; staff see the sender of each one.
-- Follow-ups stored before this column existed have none (NULL: not recorded).
alter table bench_followups add column sender text;
