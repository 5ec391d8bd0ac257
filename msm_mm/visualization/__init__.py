from .colorize import (color_binary, color_classes, color_depth, color_label, color_normals,
                       color_prediction, color_probability, shared_scale)
from .local_visualizer import MultiTaskLocalVisualizer
from .panels import titled_row
from .save_predictions import save_task_predictions

__all__ = [
    'MultiTaskLocalVisualizer', 'save_task_predictions', 'titled_row', 'color_label',
    'color_prediction', 'color_classes', 'color_depth', 'color_normals', 'color_binary',
    'color_probability', 'shared_scale'
]
