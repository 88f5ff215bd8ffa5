"""The integration area of entrypoints.web.

Integration: integration plans, coaching, KAT and the patient portal.
"""
