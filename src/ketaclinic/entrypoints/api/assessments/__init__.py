"""The assessments area of entrypoints.api.

Assessments: instruments, responses, self-report links and the safety gate.
"""
