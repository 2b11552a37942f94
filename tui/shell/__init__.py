"""The chrome around the panes: status bar, command palette, approval dialog, model call log."""
