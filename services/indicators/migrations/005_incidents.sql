-- Objective 6, "response mechanisms to racist and xenophobic incidents" (issue 17, part 5):
-- incident reports counted from the incidents service's events (by category and district,
-- cells under 5 hidden), and the share of them triaged and referred within 7 days.
insert into indicators (id, position, objective, name_pl, name_en, name_uk, unit, source, cumulative)
values
 ('security.incidents_reported', 41, 6, 'Zgłoszenia incydentów rasistowskich i ksenofobicznych',
  'Racist and xenophobic incidents reported', 'Повідомлення про расистські та ксенофобні інциденти',
  'count', 'events', true),
 ('security.incidents_referred_share', 42, 6,
  'Odsetek zgłoszeń ocenionych i przekazanych w ciągu 7 dni',
  'Share of reports triaged and referred within 7 days',
  'Частка повідомлень, оцінених і переданих протягом 7 днів',
  'percent', 'events', false)
on conflict (id) do nothing;
