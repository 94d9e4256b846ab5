"""Indefinite choice (不定项选择题): one or more correct options; the candidate is not told how many."""

from question_bank.errors import N_
from question_bank.types.choice import SetChoiceType


class IndefiniteChoice(SetChoiceType):
    code = "indefinite_choice"
    label = N_("Indefinite choice")
    import_names = ("不定项", "不定项选择", "不定项选择题", "indefinite")
    min_keys = 1
    key_count_message = N_("an indefinite-choice question has at least one key")


TYPE = IndefiniteChoice()
