"""GraphQL for partners."""
