"""The evaluator: suites of cases run over persona x model subjects, scored by
deterministic checks and schema-bound judges, with honest statistics (EvalService)."""
