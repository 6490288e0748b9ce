-- The programme's six specific objectives, Ukrainian names, the programme's table order, and the
-- projection tables (facts per aggregate, open questions, manual reports) kept from events.

create table objectives (
    number   int primary key check (number between 1 and 6),
    name_pl  text not null,
    name_en  text not null,
    name_uk  text not null
);

insert into objectives values
 (1, 'Poprawa jakości i dostępności usług publicznych dla mniejszości narodowych i etnicznych oraz osób z doświadczeniem migracji',
     'Improve the quality and accessibility of public services dedicated to national and ethnic minorities and people with migration experience',
     'Підвищення якості та доступності публічних послуг для національних і етнічних меншин та людей з досвідом міграції'),
 (2, 'Rozwój systemowych ram współpracy Gminy z przedstawicielami mniejszości i osób z doświadczeniem migracji, oparty na demokracji deliberatywnej',
     'Develop a systemic framework for interaction between the Municipality and representatives of minorities and people with migrant experience, based on deliberative democracy',
     'Розвиток системної співпраці Міста з представниками меншин і людей з досвідом міграції на засадах дорадчої демократії'),
 (3, 'Wspieranie procesów włączenia społecznego i tworzenie przestrzeni sprzyjających spójności społecznej',
     'Support social inclusion processes and create spaces that promote inclusiveness and social cohesion',
     'Підтримка соціальної інклюзії та створення просторів, що сприяють згуртованості'),
 (4, 'Rozwój międzykulturowego charakteru Krakowa i budowa marki „Otwarty Kraków”',
     'Develop the intercultural nature of Krakow and build the “Open Krakow” brand',
     'Розвиток міжкультурного характеру Кракова та бренду «Відкритий Краків»'),
 (5, 'Stworzenie platformy społecznej wspierającej rozwój kompetencji międzykulturowych mieszkańców Krakowa',
     'Create a social platform to support the development of intercultural competence among those living in Krakow',
     'Створення соціальної платформи для розвитку міжкультурних компетенцій мешканців Кракова'),
 (6, 'Wsparcie grup zagrożonych wykluczeniem społecznym ze względu na narodowość, pochodzenie etniczne, język i religię',
     'Support groups at risk of social exclusion on the basis of nationality, ethnicity, language and religion',
     'Підтримка груп, яким загрожує соціальне виключення через національність, етнічне походження, мову та релігію');

alter table indicators add column name_uk text;
alter table indicators add column cumulative boolean not null default true;

update indicators set name_uk = v.name_uk from (values
 ('services.information_point_beneficiaries', 'Бенефіціари Інформаційного пункту для іноземців'),
 ('services.procedures_translated', 'Процедури, перекладені іноземними мовами'),
 ('services.trained_individuals', 'Навчені особи (працівники управління)'),
 ('framework.coordinator_meetings', 'Зустрічі координаторів співпраці'),
 ('bench.questions_received', 'Отримані запитання Лави діалогу'),
 ('bench.questions_answered', 'Запитання Лави діалогу з відповіддю'),
 ('bench.answer_rate', 'Частка запитань з відповіддю'),
 ('bench.median_days_to_answer', 'Медіана днів до відповіді'),
 ('bench.questions_overdue', 'Запитання без відповіді після строку'),
 ('bench.editions_held', 'Проведені випуски Лави діалогу'),
 ('council.meetings_held', 'Засідання Ради з питань рівного ставлення'),
 ('council.meeting_participants', 'Учасники засідань Ради'),
 ('grants.applications_submitted', 'Подані заявки на малі гранти'),
 ('inclusion.multicultural_centre_events', 'Заходи в Мультикультурному центрі'),
 ('participation.civic_budget_turnout', 'Участь іноземців і меншин у громадському бюджеті та місцевій ініціативі'),
 ('participation.foreign_participants_share', 'Частка учасників, які декларують досвід міграції або належність до меншини'),
 ('grants.amount_awarded', 'Сума наданих грантів'),
 ('ambassadors.nominations_submitted', 'Заявки на конкурс «Амбасадор мультикультурності»'),
 ('education.units_covered', 'Школи, садочки, заклади та мешканці, охоплені діями'),
 ('grants.initiatives_supported', 'Підтримані ініціативи'),
 ('security.actions_for_excluded', 'Дії для людей під загрозою виключення')
) as v(id, name_uk) where indicators.id = v.id;
alter table indicators alter column name_uk set not null;

-- Rates, medians, shares and "now" counts are not summed over the year: no pro-rata check.
update indicators set cumulative = false where unit in ('percent', 'days') or id = 'bench.questions_overdue';

-- The programme's table (chapter VIII) gives the Council meetings a base of 0 (2023), "2 meetings
-- a year" (a target) and "min. 10 individuals/NGO" (a minimum).
update indicators set base_value = 0, base_year = 2023, expected_kind = 'target' where id = 'council.meetings_held';
update indicators set base_value = 0, base_year = 2023 where id = 'council.meeting_participants';

-- The programme's table order: per objective its own rows first, then what the platform adds.
update indicators set position = position + 100;
update indicators set position = v.position from (values
 ('services.information_point_beneficiaries', 1), ('services.procedures_translated', 2),
 ('services.trained_individuals', 3),
 ('framework.coordinator_meetings', 4), ('council.meetings_held', 5), ('council.meeting_participants', 6),
 ('bench.questions_received', 7), ('bench.questions_answered', 8), ('bench.answer_rate', 9),
 ('bench.median_days_to_answer', 10), ('bench.questions_overdue', 11), ('bench.editions_held', 12),
 ('inclusion.multicultural_centre_events', 13), ('participation.civic_budget_turnout', 14),
 ('participation.foreign_participants_share', 15), ('grants.applications_submitted', 16),
 ('grants.amount_awarded', 17),
 ('ambassadors.nominations_submitted', 18),
 ('education.units_covered', 19),
 ('security.actions_for_excluded', 20), ('grants.initiatives_supported', 21)
) as v(id, position) where indicators.id = v.id;

-- indicator_values (001) keeps yearly counters; `dimension` is '' for the total, or
-- 'group:…', 'language:…', 'channel:…', 'currency:…', 'days:N' (the answer-time histogram).
create index indicator_values_year on indicator_values (year, indicator_id);

-- What the projection knows of each aggregate (question, meeting, application...), merged from
-- its events in any order, and what it currently contributes to the counters.
create table facts (
    key          text primary key,
    data         jsonb not null,
    contributes  jsonb not null default '{}'
);

-- Questions counted as received and not answered yet: the "overdue now" count reads this.
create table open_questions (
    question_id    uuid primary key,
    received_year  int not null,
    due_at         timestamptz
);
create index open_questions_due on open_questions (due_at);

-- Every value reported by hand (the audit trail); the latest report of a year is the value.
create table manual_reports (
    event_id      uuid primary key,
    indicator_id  text not null references indicators(id),
    year          int not null,
    value         numeric not null,
    note          text not null,
    reported_by   text not null,
    reported_at   timestamptz not null
);
create index manual_reports_by_year on manual_reports (indicator_id, year, reported_at desc);

-- One durable consumer ("indicators") now projects every subject from the start of the stream,
-- with facts the first projection did not keep: start its counters afresh from the log.
delete from indicator_values;
delete from inbox where consumer = 'indicators-bench';
