"""Multiple choice (多选题): two or more correct options."""

from question_bank.errors import N_
from question_bank.types.choice import SetChoiceType


class MultipleChoice(SetChoiceType):
    code = "multiple_choice"
    label = N_("Multiple choice")
    import_names = ("多选", "多选题", "多项选择", "多项选择题", "multiple")
    min_keys = 2
    key_count_message = N_("a multiple-choice question has at least two keys")


TYPE = MultipleChoice()
