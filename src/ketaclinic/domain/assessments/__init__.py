"""The assessments area of domain.

Assessments: instruments, responses, self-report links and the safety gate.
"""
