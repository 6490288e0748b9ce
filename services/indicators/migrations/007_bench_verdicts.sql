-- Issue 16: what the Bench's askers and departments tell the programme (objective 2). The
-- asker's verdict (`bench.answer_verdict_given`), the department of an assignment
-- (`bench.question_assigned.department_id`) and the departments' names
-- (`bench.department_saved`) are projected as facts (projection.py: a question's `verdict`,
-- `department_id`; `department:<id>` facts with the names), so a rebuild reproduces them from
-- the stream. Places: after every indicator there is.
insert into indicators (id, position, objective, name_pl, name_en, name_uk, unit, source,
                        base_value, base_year, expected_value, expected_kind, cumulative)
select v.id, m.top + v.n, 2, v.name_pl, v.name_en, v.name_uk, v.unit, 'events',
       null, null, null, null, false
from (select coalesce(max(position), 0) as top from indicators) m,
     (values
      (1, 'bench.answers_helpful_share',
       'Odsetek odpowiedzi ocenionych przez pytających jako pomocne',
       'Share of answers the askers found helpful',
       'Частка відповідей, які автори запитань визнали корисними', 'percent'),
      (2, 'bench.answered_on_time_share',
       'Odsetek odpowiedzi udzielonych w terminie',
       'Share of questions answered by their due date',
       'Частка запитань з відповіддю в строк', 'percent'),
      (3, 'bench.median_days_to_helpful_answer',
       'Mediana dni do odpowiedzi ocenionej jako pomocna',
       'Median days to an answer found helpful',
       'Медіана днів до відповіді, визнаної корисною', 'days')
     ) as v(n, id, name_pl, name_en, name_uk, unit)
on conflict (id) do nothing;
