"""Generic dataflow machinery: nodes, states and flows that compute nodes on demand.

This package knows nothing of images; :mod:`glimpse.models.base` builds on it.
"""

from .node import Node
from .state import State
from .dataflow import BuildNode, DataFlow, DependencyError, node_builder

__all__ = ["Node", "State", "DataFlow", "DependencyError", "node_builder", "BuildNode"]
