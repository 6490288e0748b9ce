-- The Multiculturalism and Migration Observatory's publications (issue 17): reports, studies,
-- seminar notes and recommendations. The title and the summary keep their Polish original in
-- their own column and the English and Ukrainian versions in `<field>_i18n` (shared/content.py).

create table publications (
    id             uuid primary key,
    kind           text not null
        check (kind in ('report', 'study', 'seminar_notes', 'recommendation')),
    title          text not null check (char_length(title) between 3 and 300),
    title_i18n     jsonb not null default '{}'::jsonb,
    summary        text not null check (char_length(summary) between 10 and 5000),
    summary_i18n   jsonb not null default '{}'::jsonb,
    topic          text not null,
    objective      int not null check (objective between 1 and 6),
    published_on   date not null,
    -- Where the document is: a PDF uploaded with the page form (table `documents`), or the
    -- address of a document published elsewhere (the API's JSON bodies are limited to 1 MiB).
    document_url   text check (document_url is null or document_url ~ '^https?://'),
    created_by     text not null,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    withdrawn_at   timestamptz,
    withdrawn_by   text,
    -- Every title and summary in every language, case-folded by the service (Python's
    -- `casefold`, so Polish and Ukrainian fold whatever the database's locale): the search.
    search_text    text not null default ''
);

create index publications_listed on publications (published_on desc, created_at desc)
    where withdrawn_at is null;

-- The uploaded PDF, apart so that lists never read it. In PostgreSQL (not on disk): it is
-- backed up with the record, written in the record's transaction (no orphan files), and every
-- web process reads it without a shared folder; a few dozen files of at most 20 MiB a year.
create table documents (
    publication_id uuid primary key references publications(id) on delete cascade,
    filename       text not null,
    size           int not null check (size > 0),
    sha256         text not null,
    content        bytea not null,
    uploaded_at    timestamptz not null default now()
);
