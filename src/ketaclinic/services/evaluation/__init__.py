"""The evaluation area of services.

Evaluation: the initial evaluation, medication review and eligibility decision.
"""
