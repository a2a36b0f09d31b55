"""GraphQL for territories."""
