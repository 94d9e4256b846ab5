"""The exams blueprint."""
