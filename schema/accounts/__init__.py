"""GraphQL for accounts."""
