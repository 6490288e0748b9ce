"""Web kit: i18n catalogs, page rendering, templates, static assets."""
