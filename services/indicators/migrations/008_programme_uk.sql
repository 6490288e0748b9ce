-- The programme's tasks and risks in Ukrainian (issue 17): a task's title, a risk's name and
-- measure in the reader's language, as the objectives' and indicators' names already are. A task
-- without a Ukrainian title (one added later without it) is shown in Polish, marked as such
-- (shared/content.py). A seeded task is given its title only while its English title is still
-- the programme's (a title a coordinator has rewritten is not guessed at).

alter table programme_tasks add column title_uk text
    check (title_uk is null or length(title_uk) between 1 and 500);

update programme_tasks t set title_uk = v.title_uk from (values
 (1, 1, 'Developing the information desk for people with migration experience', 'Розвиток інформаційного пункту для людей з досвідом міграції'),
 (1, 2, 'Developing and implementing the Intercultural Communication Strategy for the Municipality', 'Розроблення та впровадження Стратегії міжкультурної комунікації Міста'),
 (1, 3, 'Upgrading the welcome package for people with migration experience', 'Оновлення вітального пакета для людей з досвідом міграції'),
 (1, 4, 'Training staff of the Office, municipal units and Districts on accessibility, intercultural communication and anti-discrimination', 'Навчання працівників Управління, міських установ і Дільниць з питань доступності, міжкультурної комунікації та антидискримінації'),
 (1, 5, 'Monitoring the accessibility of the Municipality''s public services for minorities and people with migration experience', 'Моніторинг доступності публічних послуг Міста для меншин і людей з досвідом міграції'),
 (1, 6, 'Social research on migration and multiculturalism, including the Multiculturalism & Migration Observatory', 'Соціальні дослідження у сфері міграції та мультикультурності, зокрема Обсерваторія мультикультурності та міграції'),
 (2, 1, 'A framework for cross-sector cooperation: administration, business, research, NGOs and the community', 'Рамки міжсекторальної співпраці: адміністрація, бізнес, наука, НУО та громада'),
 (2, 2, 'Creating a separate unit in the Office supporting minorities and people with migration experience', 'Створення в Управлінні окремого підрозділу, що підтримує ініціативи меншин і людей з досвідом міграції'),
 (2, 3, 'Cooperation of the Programme Coordinator with the Office''s units, municipal units, NGOs and institutions', 'Співпраця Координатора Програми з підрозділами Управління, міськими установами, НУО та інституціями'),
 (3, 1, 'Developing the Multicultural Centre as a focal point for intercultural activities', 'Розвиток Мультикультурного центру як осередку міжкультурної діяльності'),
 (3, 2, 'Supporting socio-cultural animation by municipal cultural institutions and districts', 'Підтримка ініціатив соціально-культурної анімації міських закладів культури та дільниць'),
 (3, 3, 'Promoting programmes supporting the founding and growth of minority NGOs', 'Популяризація програм підтримки заснування та розвитку НУО серед організацій меншин'),
 (3, 4, 'Promoting participatory mechanisms and making them accessible to minorities and people with migration experience', 'Популяризація механізмів участі та підвищення їхньої доступності для меншин і людей з досвідом міграції'),
 (4, 1, 'Events on multiculturalism: conferences, seminars, debates, festivals', 'Заходи, присвячені ідеї мультикультурності: конференції, семінари, дебати, фестивалі'),
 (4, 2, 'The competition for the title of “Krakow Ambassador of Multiculturalism” and promoting those honoured', 'Конкурс на звання «Краківський амбасадор мультикультурності» та популяризація відзначених'),
 (4, 3, 'A meeting of the Ambassadors of Multiculturalism with the Mayor', 'Зустріч амбасадорів мультикультурності з Президентом Міста Кракова'),
 (4, 4, 'Patronage and other support for initiatives on multicultural Krakow', 'Патронати та інші форми підтримки ініціатив, присвячених мультикультурному Кракову'),
 (5, 1, 'Tools for intercultural competence in schools (workshops by NGOs and cultural institutions)', 'Інструменти розвитку міжкультурних компетенцій у школах (майстер-класи НУО та закладів культури)'),
 (5, 2, 'Recommendations for schools on including minorities and people with migration experience', 'Рекомендації для шкіл щодо залучення меншин і людей з досвідом міграції'),
 (5, 3, 'Tools for the intercultural competence of Krakow''s residents', 'Інструменти розвитку міжкультурних компетенцій для мешканців Кракова'),
 (5, 4, 'Developing sensitivity to cultural diversity and sensitive language', 'Розвиток чутливості до культурного розмаїття та чутливої мови'),
 (5, 5, 'Developing intercultural and Roma assistance', 'Розвиток міжкультурної та ромської асистентури'),
 (6, 1, 'Information and support for initiatives raising awareness of and responding to discrimination and bias-motivated violence', 'Інформування та підтримка ініціатив, що підвищують обізнаність і реагують на дискримінацію та насильство на ґрунті упереджень'),
 (6, 2, 'Risk analysis of intercultural, national, ethnic and religious conflicts', 'Аналіз ризиків міжкультурних, національних, етнічних і релігійних конфліктів'),
 (6, 3, 'Training Office, municipal, Police and Municipal Police staff in mediation, responding to discrimination and conflict resolution', 'Підвищення компетенцій працівників Управління, міських установ, Поліції та Міської варти: медіація, реагування на дискримінацію, розв’язання конфліктів'),
 (6, 4, 'Including minorities and people with migration experience in the city''s security and crisis management', 'Залучення представників меншин і людей з досвідом міграції до міських дій у сфері безпеки та кризового управління')
) as v(objective, number, title_en, title_uk)
where t.objective = v.objective and t.number = v.number and t.title_en = v.title_en;

alter table programme_risks add column name_uk text;
alter table programme_risks add column measure_uk text;

update programme_risks r set name_uk = v.name_uk, measure_uk = v.measure_uk from (values
 (1, 'Нерівний доступ до послуг для меншин і людей з досвідом міграції через дискримінацію з боку працівників управління', 'Запобігання (навчання)'),
 (2, 'Втрата довіри до Міста як партнера', 'Толерування (моніторинг)'),
 (3, 'Недостатні фінансові ресурси', 'Запобігання (аналіз потреб, фінансові плани)'),
 (4, 'Низька кількість заявок на конкурс на звання «Амбасадор мультикультурності»', 'Запобігання (популяризація та інформування)'),
 (5, 'Брак зацікавленості в участі у навчаннях та освітніх заходах', 'Запобігання (популяризація та інформування)'),
 (6, 'Зростання мови ворожнечі в публічному просторі', 'Запобігання (втручання)')
) as v(id, name_uk, measure_uk)
where r.id = v.id;
