"""The evaluation area of entrypoints.web.

Evaluation: the initial evaluation, medication review and eligibility decision.
"""
