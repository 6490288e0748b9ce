-- Issue 16: the departments' registry is announced to other services (`bench.department_saved`).
-- A department saved from now on is announced in the same transaction (announced_at set there);
-- those that existed before this migration have announced_at null and are announced once by the
-- periodic job `bench_announce_departments` (an update ... where announced_at is null returning,
-- so two workers never announce one twice).
alter table bench_departments add column if not exists announced_at timestamptz;

-- An answer returned by its reviewer: when its responder was mailed the comment (the question's
-- history says so; null when the responder has no address).
alter table bench_answer_reviews add column if not exists responder_mailed_at timestamptz;
