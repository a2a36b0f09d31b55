"""Scenarios in GraphQL: types, inputs, payloads, queries, mutations, progress subscription."""
