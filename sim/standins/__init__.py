"""Stand-in models with known answers, run through the same job, sweep and collect code as the model."""
