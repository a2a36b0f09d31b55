"""Scenarios in GraphQL: types, inputs, payloads, queries, mutations, solve progress subscription."""
