"""The cadre's practice pages (练习) and wrong-answer book (错题本)."""
