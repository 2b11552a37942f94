"""Memories and corrections: per-persona facts written in the background, retrieved by BM25
(embeddings optional), kept small and editable; corrections that become few-shot examples
and rules. `MemoryService(workbench)` is the face; `CorrectionsService(store)` the other."""
