"""Scheduling engines backed by third-party solvers (OR-Tools CP-SAT)."""

from ketaclinic.adapters.scheduling.cpsat import CpSatScheduler

__all__ = ["CpSatScheduler"]
