"""Security extensions of the schema: authentication gate, query limits (depth, aliases,
tokens, cost), masked errors with an id, trusted documents, the audit log of mutations."""
