-- "Overdue now" must not cost a count of every open question at each dashboard read (it would
-- grow with the history). Questions due before the horizon are tallied per year of receipt; a
-- read adds only those due between the horizon and now (a short range of the due_at index). A
-- background task moves the horizon forward; the projection keeps the tally exact as questions
-- open and close (store.sync_open_question).
create table overdue_horizon (
    only_row  boolean primary key default true check (only_row),
    as_of     timestamptz not null
);

create table overdue_tally (
    received_year  int primary key,
    n              int not null
);

insert into overdue_horizon(as_of) values (now());
insert into overdue_tally(received_year, n)
    select received_year, count(*) from open_questions
    where due_at < (select as_of from overdue_horizon) group by received_year;
