"""Reports built from the records: each is (headers, rows) or plain values, written to a file by
:mod:`question_bank.formats` and shown by ``examsvc.reports`` (domain.md §8)."""
