"""Learning: courses and their versions, learner state, attempts, completion, learner pages."""
