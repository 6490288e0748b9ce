-- The relay publishes a row once its transaction has settled: its id is below the xmin of the
-- relay's snapshot, so no transaction that could still commit an earlier row is running.
-- Writers no longer queue behind one another (their commits group in one WAL flush).
alter table outbox add column txid xid8 not null default pg_current_xact_id();
