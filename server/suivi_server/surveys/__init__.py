"""Satisfaction surveys: merchants' definitions, who gets which, the page's questions, results."""
