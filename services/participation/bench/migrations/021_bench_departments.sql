-- The city's departments (issue 16): the coordinator's registry. A department has a name in
-- Polish (the original) with its English and Ukrainian versions, a contact address, the address
-- of its head, the topics it takes by default (new questions of such a topic are proposed to it),
-- and its escalation settings: the responder is reminded `reminder_days` before the due date,
-- and `review_required` makes its answers wait for the coordinator's approval.
create table bench_departments (
    id               uuid primary key,
    name             text not null,
    name_i18n        jsonb not null default '{}'::jsonb,
    email            text not null,
    head_email       text not null,
    topics           text[] not null default '{}',
    reminder_days    int not null default 3 check (reminder_days between 0 and 60),
    review_required  boolean not null default false,
    created_by       text not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz
);

-- A responder of the registry belongs to at most one department of it (the free-text
-- `department` stays as typed for older entries).
alter table bench_responders add column department_id uuid references bench_departments(id);
create index bench_responders_department on bench_responders (department_id)
    where department_id is not null;

-- The department a question is routed to (assignment), when it is one of the registry.
alter table bench_questions add column department_id uuid references bench_departments(id);
create index bench_questions_department on bench_questions (department_id)
    where department_id is not null;

-- The escalation ladder: each step of a question is taken once (the primary key), and shows in
-- its history. `reminder` (the responder, N days before due), `head` (the department's head, on
-- the due day), `coordinator` (after the due date).
create table bench_escalations (
    question_id  uuid not null references bench_questions(id),
    step         text not null check (step in ('reminder', 'head', 'coordinator')),
    sent_at      timestamptz not null,
    recipients   int not null default 0,
    primary key (question_id, step)
);

-- Answer review: an answer to a question of a department with `review_required` waits for the
-- coordinator (status `answer_in_review`); approved, it is sent as any answer; returned, the
-- responder sees the comment and answers again. Each draft and decision stays (the history).
alter table bench_questions drop constraint bench_questions_status;
alter table bench_questions add constraint bench_questions_status check
    (status in ('received', 'accepted', 'assigned', 'answer_in_review', 'answered', 'rejected',
                'merged'));
create table bench_answer_reviews (
    id           uuid primary key,
    question_id  uuid not null references bench_questions(id),
    text         text not null,
    language     text not null,
    written_by   text not null,
    written_at   timestamptz not null,
    status       text not null default 'pending' check (status in ('pending', 'approved', 'returned')),
    reviewed_by  text,
    reviewed_at  timestamptz,
    comment      text
);
create unique index bench_answer_reviews_pending on bench_answer_reviews (question_id)
    where status = 'pending';
create index bench_answer_reviews_question on bench_answer_reviews (question_id, written_at);
