from .multi_task_segmentor import MultiTaskSegmentor, logits_to_prediction

__all__ = ['MultiTaskSegmentor', 'logits_to_prediction']
