# Shared Python modules for the model-training tools (tools/train-cmapss, tools/train-ai4i).
