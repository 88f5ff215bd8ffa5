"""The assessments area of entrypoints.web.

Assessments: instruments, responses, self-report links and the safety gate.
"""
