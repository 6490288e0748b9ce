-- Question numbers from a sequence: taking max(seq)+1 needed the edition row locked until
-- commit, which let only one question per edition be written at a time. A sequence hands out
-- numbers without a lock; numbers stay unique (per edition too) but may skip after a rollback.
create sequence bench_question_number;
select setval('bench_question_number', coalesce((select max(seq) from bench_questions), 0) + 1, false);
