// LedgeFleet: the coordinator (registry, artifacts, rollouts).
