"""The assessments area of services.

Assessments: instruments, responses, self-report links and the safety gate.
"""
