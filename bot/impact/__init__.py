"""A volunteer's own impact: their months compared, their milestones, the notes that say so."""
