-- Issue 17: the Observatory's reports and studies, counted from the observatory service's events
-- (programme, objective 1 task (6): "Number of reports"; no base or expected value given). Its
-- place: after every indicator there is, whatever other migrations added before it.
insert into indicators (id, position, objective, name_pl, name_en, name_uk, unit, source,
                        base_value, base_year, expected_value, expected_kind, cumulative)
select 'observatory.reports_published', coalesce(max(position), 0) + 1, 1,
       'Raporty i badania Obserwatorium Wielokulturowości i Migracji',
       'Reports and studies of the Multiculturalism and Migration Observatory',
       'Звіти та дослідження Обсерваторії мультикультурності та міграції',
       'count', 'events', null, null, null, null, true
from indicators;
