"""Recognition a volunteer chooses: badges and streaks from their own history, and team
challenges counted together, never as a ranking of persons."""
