// LedgeML: TFLite int8 model reader, planner and kernels.
