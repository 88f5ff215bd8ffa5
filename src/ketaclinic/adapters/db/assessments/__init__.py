"""The assessments area of adapters.db.

Assessments: instruments, responses, self-report links and the safety gate.
"""
