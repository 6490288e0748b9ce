-- Dialogue Bench workflow: moderation, routing, live answers, deadlines, delivery, e-mail intake.

alter table bench_editions
    add column coordinator_email text,
    add column submissions_changed_at timestamptz;

alter table bench_questions
    add column updated_at          timestamptz not null default now(),
    add column entered_by          text,
    add column moderated_at        timestamptz,
    add column moderated_by        text,
    add column reject_reason       text,
    add column merged_into         uuid references bench_questions(id),
    add column assigned_to         text,
    add column department          text,
    add column responder_email     text,
    add column assigned_at         timestamptz,
    add column answered_live_at    timestamptz,
    add column overdue_flagged_at  timestamptz,
    add constraint bench_questions_status check
        (status in ('received', 'accepted', 'assigned', 'answered', 'rejected', 'merged'));
create index bench_questions_assigned on bench_questions (assigned_to) where assigned_to is not null;
create index bench_questions_open_due on bench_questions (due_at)
    where status in ('received', 'accepted', 'assigned');
create index bench_questions_merged_into on bench_questions (merged_into) where merged_into is not null;

alter table bench_answers
    add column mail_id       uuid,
    add column delivered_at  timestamptz,
    add column delivered_via text check (delivered_via in ('email', 'tracking'));
create index bench_answers_undelivered on bench_answers (answered_at)
    where delivered_at is null and mail_id is not null;

-- Every message that reached the SMTP listener, stored raw before it is parsed, so that
-- nothing that arrives is lost even when parsing fails. Attachments are removed from the
-- parsed text but the raw copy is kept (size-capped at the SMTP limit) for moderation,
-- and `raw` is cleared once the message is resolved.
create table bench_inbound_mail (
    id            uuid primary key,
    received_at   timestamptz not null default now(),
    peer          text,
    mail_from     text,
    rcpt_to       text not null,
    message_id    text,
    size_bytes    int not null,
    raw           bytea,
    status        text not null default 'received'
                  check (status in ('received', 'question', 'reply', 'moderation', 'resolved', 'discarded')),
    reason        text,
    detail        text,
    question_id   uuid references bench_questions(id),
    resolved_at   timestamptz,
    resolved_by   text
);
create index bench_inbound_mail_moderation on bench_inbound_mail (received_at) where status in ('received', 'moderation');

-- Message-IDs of each question's e-mail thread (the asker's and ours) for threading replies.
create table bench_thread_messages (
    message_id   text primary key,
    question_id  uuid not null references bench_questions(id),
    direction    text not null check (direction in ('in', 'out')),
    created_at   timestamptz not null default now()
);
create index bench_thread_messages_question on bench_thread_messages (question_id);

-- Replies received in an acknowledged thread: attached to the question, never a new one.
create table bench_followups (
    id           uuid primary key,
    question_id  uuid not null references bench_questions(id),
    inbound_id   uuid references bench_inbound_mail(id),
    text         text not null,
    received_at  timestamptz not null default now()
);
create index bench_followups_question on bench_followups (question_id, received_at);

create table bench_duplicate_suggestions (
    question_id   uuid not null references bench_questions(id),
    candidate_id  uuid not null references bench_questions(id),
    score         real not null,
    primary key (question_id, candidate_id)
);

create table bench_answer_templates (
    id          uuid primary key,
    title       text not null,
    topic       text,
    language    text not null,
    text        text not null,
    created_by  text not null,
    created_at  timestamptz not null default now()
);

-- Page form submissions: the form's one-time nonce makes a double submit find the first
-- question instead of creating a second one (the token itself is never stored).
create table bench_form_submissions (
    nonce        text primary key,
    question_id  uuid not null references bench_questions(id),
    created_at   timestamptz not null default now()
);
