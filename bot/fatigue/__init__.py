"""Fewer nudges for the tired: a cap eased off on its own, one question, one check-in."""
