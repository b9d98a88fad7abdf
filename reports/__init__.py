"""Annex One progression figures and chart, board reports, import and export."""
