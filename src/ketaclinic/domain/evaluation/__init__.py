"""The evaluation area of domain.

Evaluation: the initial evaluation, medication review and eligibility decision.
"""
