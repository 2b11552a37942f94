"""Panes: one full screen per feature (chat, personas, evals, expenses, jobs).

`registry.PANES` lists them in order; the app turns each into a Textual mode with a lazy
factory, so a pane's module is imported the first time it is opened. `base.Pane` is the
contract every pane follows (its docstring says how to add one).
"""
