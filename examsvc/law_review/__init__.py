"""The law review list: questions held out of draws after an amendment, for bank reviewers to
clear or retire (bank editors and law administrators may read it)."""
