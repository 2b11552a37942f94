"""The context budget: every prompt fits the model's real window.

- estimator.py: per-model token estimates calibrated from what servers report, stored
- planner.py: splits num_ctx among the prompt's parts and shrinks them in a fixed order
- windowing.py: a file cut down to its relevant functions (tree-sitter)
- compaction.py: older history folded into a running summary by the summariser persona
- fitting.py: what the turn calls per attempt (window, plan, compaction, re-plan)
- breakdown.py: the `/tokens` breakdown and the advice when a prompt cannot fit
"""
