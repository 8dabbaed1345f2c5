"""Shared plumbing used by every phase: source files, spans and diagnostics.

Nothing here imports from a phase package; every phase imports from here.
"""
