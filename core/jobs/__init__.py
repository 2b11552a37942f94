"""Idle-time jobs: a persistent queue of small resumable steps, worked while the user and
the GPU are idle, paused the moment the user returns."""
