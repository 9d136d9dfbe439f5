"""Stand-in models with known answers, run through the same job/sweep/collect code as the model."""
