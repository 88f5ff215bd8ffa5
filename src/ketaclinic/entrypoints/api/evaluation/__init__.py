"""The evaluation area of entrypoints.api.

Evaluation: the initial evaluation, medication review and eligibility decision.
"""
