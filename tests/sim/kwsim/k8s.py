"""Kubernetes tools (placeholder while being written)."""
def containerd_config_problem():
    return None
