"""Personas: a base model turned specialist by a skeleton prompt, sampling, a think
policy, few-shot examples and (for structured tasks) a JSON schema.

`registry.load_registry(user_dir)` loads the built-in set and the user's files;
`ResolvedPersona` renders what a model call sends; `modelfile` and `create_body`
turn a persona into an Ollama model. Nothing here imports `core`: callers pass in
what it needs (the user personas dir, a model's num_ctx).
"""
