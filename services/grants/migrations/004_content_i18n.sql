-- Content translations (issue 14, shared/content.py): every call text residents and NGOs read
-- keeps its original (Polish) in its own column and the other versions in `<field>_i18n`
-- ({"en": "...", "uk": "..."}, never the original's language).

alter table calls add column title_i18n jsonb not null default '{}';
alter table calls add column description_i18n jsonb not null default '{}';
alter table criteria add column name_i18n jsonb not null default '{}';

-- What the coordinator wrote before in `translations` ({lang: {title, description}} on calls,
-- {lang: name} on criteria) moves over; Polish is the original, so its entry is not a version.
-- The old columns were written as JSON text inside jsonb (a string): unwrap it first.
create function pg_temp.unwrapped(value jsonb) returns jsonb language sql immutable as $$
    select case jsonb_typeof(value) when 'string' then (value #>> '{}')::jsonb
                                    when 'object' then value else '{}'::jsonb end
$$;
update calls c set
    title_i18n = coalesce((
        select jsonb_object_agg(t.key, t.value ->> 'title')
        from jsonb_each(pg_temp.unwrapped(c.translations)) t
        where t.key in ('en', 'uk') and coalesce(btrim(t.value ->> 'title'), '') <> ''), '{}'),
    description_i18n = coalesce((
        select jsonb_object_agg(t.key, t.value ->> 'description')
        from jsonb_each(pg_temp.unwrapped(c.translations)) t
        where t.key in ('en', 'uk') and coalesce(btrim(t.value ->> 'description'), '') <> ''), '{}');

update criteria k set
    name_i18n = coalesce((
        select jsonb_object_agg(t.key, t.value)
        from jsonb_each_text(pg_temp.unwrapped(k.translations)) t
        where t.key in ('en', 'uk') and btrim(t.value) <> ''), '{}');

-- One place for a text's versions: the old columns go.
alter table calls drop column translations;
alter table criteria drop column translations;
