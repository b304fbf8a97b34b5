"""Sample AI inference server (standard library only)."""
