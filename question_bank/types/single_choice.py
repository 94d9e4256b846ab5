"""Single choice (单选题): exactly one correct option."""

from question_bank.errors import N_
from question_bank.types.choice import ChoiceType


class SingleChoice(ChoiceType):
    code = "single_choice"
    label = N_("Single choice")
    import_names = ("单选", "单选题", "单项选择", "单项选择题", "single")
    min_keys = 1
    max_keys = 1
    key_count_message = N_("a single-choice question has exactly one key")


TYPE = SingleChoice()
