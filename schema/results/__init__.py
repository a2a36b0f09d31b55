"""GraphQL of solved scenarios: results, KPIs, comparison, publish and repair."""
