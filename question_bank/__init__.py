"""The exam and question-bank domain: models, question types, services and file formats.

Nothing in this package imports Flask (``tests/test_layering.py`` checks it), so every operation can
be driven from the web service, a CLI command or a batch job alike.
"""
