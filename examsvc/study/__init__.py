"""Study lists: the keepers' pages (``routes``) and the cadre's study page (``cadre``)."""
