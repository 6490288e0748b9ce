-- The programme's indicators (handbook/indicators.md, programme chapter VIII) as data, and the
-- values kept per calendar year (Europe/Warsaw).

create table indicators (
    id              text primary key,
    position        int not null unique,
    objective       int not null check (objective between 1 and 6),
    name_pl         text not null,
    name_en         text not null,
    unit            text not null check (unit in ('count', 'percent', 'days', 'minor_units')),
    source          text not null check (source in ('events', 'manual')),
    base_value      numeric,
    base_year       int,
    expected_value  numeric,
    expected_kind   text check (expected_kind in ('minimum', 'target', 'maximum'))
);

insert into indicators values
 ('services.information_point_beneficiaries', 1, 1, 'Liczba beneficjentów Punktu Informacyjnego dla Cudzoziemców', 'Beneficiaries of the Information Point for Foreigners', 'count', 'manual', 5132, 2023, 4000, 'minimum'),
 ('services.procedures_translated', 2, 1, 'Liczba procedur przetłumaczonych na języki obce', 'Procedures translated into foreign languages', 'count', 'manual', 11, 2023, 50, 'minimum'),
 ('services.trained_individuals', 3, 1, 'Liczba przeszkolonych osób (pracownicy urzędu)', 'Trained individuals (office staff)', 'count', 'manual', 150, 2023, 100, 'minimum'),
 ('framework.coordinator_meetings', 4, 2, 'Liczba spotkań koordynatorów współpracy', 'Meetings of cooperation coordinators', 'count', 'manual', 0, 2023, 2, 'target'),
 ('bench.questions_received', 5, 2, 'Pytania zadane w ramach Ławki Dialogu Międzykulturowego', 'Dialogue Bench questions received', 'count', 'events', null, null, null, null),
 ('bench.questions_answered', 6, 2, 'Pytania Ławki Dialogu z udzieloną odpowiedzią', 'Dialogue Bench questions answered', 'count', 'events', null, null, null, null),
 ('bench.answer_rate', 7, 2, 'Odsetek pytań z odpowiedzią', 'Share of questions answered', 'percent', 'events', null, null, 100, 'target'),
 ('bench.median_days_to_answer', 8, 2, 'Mediana dni do odpowiedzi', 'Median days to answer', 'days', 'events', null, null, 30, 'maximum'),
 ('bench.questions_overdue', 9, 2, 'Pytania bez odpowiedzi po terminie', 'Unanswered questions past their due date', 'count', 'events', null, null, 0, 'maximum'),
 ('bench.editions_held', 10, 2, 'Odbyte edycje Ławki Dialogu', 'Dialogue Bench editions held', 'count', 'events', null, null, null, null),
 ('council.meetings_held', 11, 2, 'Liczba posiedzeń Rady ds. Równego Traktowania', 'Meetings of the Council on Equal Treatment held', 'count', 'events', null, null, 2, 'minimum'),
 ('council.meeting_participants', 12, 2, 'Liczba uczestników posiedzeń Rady', 'Participants of Council meetings', 'count', 'events', null, null, 10, 'minimum'),
 ('grants.applications_submitted', 13, 3, 'Złożone wnioski o małe granty', 'Small-grant applications submitted', 'count', 'events', null, null, null, null),
 ('inclusion.multicultural_centre_events', 14, 3, 'Wydarzenia w Centrum Wielokulturowym', 'Events held within the Multicultural Centre', 'count', 'manual', 150, 2023, 100, 'minimum'),
 ('participation.civic_budget_turnout', 15, 3, 'Frekwencja cudzoziemców i mniejszości w budżecie obywatelskim i inicjatywie lokalnej', 'Turnout of foreigners and minorities in the civic budget and local initiative', 'percent', 'manual', 0, 2023, 5, 'target'),
 ('participation.foreign_participants_share', 16, 3, 'Udział uczestników deklarujących doświadczenie migracji lub przynależność do mniejszości', 'Share of participants declaring a minority or migration background', 'percent', 'events', null, null, 5, 'minimum'),
 ('grants.amount_awarded', 17, 3, 'Kwota przyznanych grantów', 'Money awarded in grants', 'minor_units', 'events', null, null, null, null),
 ('ambassadors.nominations_submitted', 18, 4, 'Zgłoszenia w konkursie „Ambasador Wielokulturowości”', 'Nominations to the Ambassador of Multiculturalism competition', 'count', 'events', 23, 2023, 10, 'minimum'),
 ('education.units_covered', 19, 5, 'Szkoły, przedszkola, placówki i mieszkańcy objęci działaniami', 'Schools, kindergartens, facilities and residents covered', 'count', 'manual', 148, 2023, 150, 'target'),
 ('grants.initiatives_supported', 20, 6, 'Liczba wspartych inicjatyw', 'Initiatives supported', 'count', 'events', null, null, null, null),
 ('security.actions_for_excluded', 21, 6, 'Działania na rzecz osób zagrożonych wykluczeniem', 'Actions for people at risk of exclusion', 'count', 'manual', 0, 2023, 10, 'target');

-- Yearly values of indicators computed from events (counters), and per currency for money.
create table indicator_values (
    indicator_id  text not null references indicators(id),
    year          int not null,
    dimension     text not null default '',
    value         numeric not null,
    updated_at    timestamptz not null default now(),
    primary key (indicator_id, year, dimension)
);
