"""The evaluation area of adapters.db.

Evaluation: the initial evaluation, medication review and eligibility decision.
"""
