"""Import and export formats: the question template (xlsx/CSV), Moodle XML, GIFT, JSON Lines, and
the writers every tabular export shares (:mod:`question_bank.formats.tabular`)."""
