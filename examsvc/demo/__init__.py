"""Demo data for ``make demo``: an organisation, accounts for every role, a bank written for the
demo (``demo_bank.csv``, original questions with explanations and legal basis) and an open sitting."""
