"""The persona lab: versioned personas (and the one `persona@N` resolver), exports and
registration with read-back, model recommendation from the GPU, suggestions from a
repository, the creator, and blind A/B comparisons. `LabService(workbench)` is the face;
`versions.save_version` / `versions.resolve_persona` are what other features call."""
