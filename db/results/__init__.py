"""Reading a solved scenario's result: assignment pages, unassigned, loads, KPIs, comparison."""
