"""The base model: layer graph, model state, parameters and patch sampling."""
