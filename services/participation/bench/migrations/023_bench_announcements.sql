-- Issue 16: the departments' registry is announced to other services (`bench.department_saved`).
-- A department saved from now on is announced in the same transaction (announced_at set there);
-- those that existed before this migration have announced_at null and are announced once by the
-- periodic job `bench_announce_departments` (an update ... where announced_at is null returning,
-- so two workers never announce one twice).
alter table bench_departments add column if not exists announced_at timestamptz;
