-- A sending server that lost our "250" after DATA sends the same message again: the copy must
-- not become a second question. `digest` is SHA-256 of envelope sender, recipient and the raw
-- bytes; a repeat is answered with the first copy's id and changes nothing.
alter table bench_inbound_mail add column digest bytea;
create unique index bench_inbound_mail_digest on bench_inbound_mail (digest);
