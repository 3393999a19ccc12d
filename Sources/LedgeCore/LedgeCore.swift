// LedgeCore: types shared by node and coordinator.
