"""Read-only admin API for scripts, the README and the UI: who is in the world, and which banks."""
