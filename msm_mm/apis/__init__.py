from .inference import fit_to_working_size, inference_model, init_model, working_size

__all__ = ['init_model', 'inference_model', 'working_size', 'fit_to_working_size']
