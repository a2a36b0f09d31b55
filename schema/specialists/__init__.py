"""GraphQL for specialists."""
