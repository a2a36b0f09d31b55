"""GraphQL for product lines."""
