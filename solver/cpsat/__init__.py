"""CP-SAT backend: integer scaling, sub-model over a set of free accounts, and running it."""
