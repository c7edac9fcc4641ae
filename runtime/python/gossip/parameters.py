"""One flat float32 buffer behind a model's parameters, so that a gossip round reads and
writes them in place, with no copy: each parameter becomes a view into the buffer."""

try:
    import numpy as np
except ImportError:  # `import gossip` works without it; a model needs it (python3-numpy)
    np = None


def _torch():
    try:
        import torch
    except ImportError:  # NumPy-only scripts never need it
        return None
    return torch


class FlatParameters:
    """The model's parameters as one contiguous float32 array.

    `model` is a NumPy float32 array (used as it is), a float32 CPU torch tensor (its memory
    is shared), a torch.nn.Module or an iterable of torch parameters (copied once into a
    new buffer; each parameter's .data then points into it, so later steps of any optimizer
    write the buffer directly).
    """

    def __init__(self, model):
        if np is None:
            raise ImportError("gossip.Peer needs NumPy for the model's buffer: apt-get install python3-numpy")
        torch = _torch()
        self.tensor = None
        if isinstance(model, np.ndarray):
            if model.dtype != np.float32 or not model.flags.c_contiguous:
                raise TypeError("a NumPy model must be a contiguous float32 array, got %s" % model.dtype)
            self.array = model.reshape(-1)
            return
        if torch is None:
            raise TypeError("the model must be a float32 NumPy array (torch is not installed), got %r" % type(model))
        if isinstance(model, torch.Tensor):
            self._check_tensor(model, "the model")
            self.tensor = model.detach().reshape(-1)
            if self.tensor.data_ptr() != model.data_ptr():
                raise TypeError("the model tensor must be contiguous")
        else:
            parameters = list(model.parameters() if isinstance(model, torch.nn.Module) else model)
            if not parameters:
                raise ValueError("the model has no parameters")
            for index, parameter in enumerate(parameters):
                self._check_tensor(parameter, "parameter %d" % index)
            total = sum(parameter.numel() for parameter in parameters)
            self.tensor = torch.empty(total, dtype=torch.float32)
            offset = 0
            with torch.no_grad():
                for parameter in parameters:
                    count = parameter.numel()
                    view = self.tensor[offset:offset + count].view_as(parameter)
                    view.copy_(parameter)
                    parameter.data = view
                    offset += count
        self.array = self.tensor.numpy()

    @staticmethod
    def _check_tensor(tensor, what):
        if tensor.dtype != _torch().float32 or tensor.device.type != "cpu":
            raise TypeError("%s is %s on %s: gossip's Python path takes float32 CPU tensors" %
                            (what, tensor.dtype, tensor.device))

    def __len__(self):
        return self.array.size
