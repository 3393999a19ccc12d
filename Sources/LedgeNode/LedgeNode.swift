// LedgeNode: the node runtime.
