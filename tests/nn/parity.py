"""Module parity with PyTorch: copy torch's weights into the shenjing module by name, run the
same input through both, and compare outputs, input gradients and parameter gradients."""

import numpy as np

import shenjing as sj


def copy_weights(torch_module, module):
    """Load torch's state dict (same names) into the shenjing module; returns the keys."""
    state = {k: sj.tensor(v.detach().numpy()) for k, v in torch_module.state_dict().items()}
    module.load_state_dict(state)
    return list(state)


def assert_parity(module, torch_module, x, dtype="float64", rtol=1e-6, atol=1e-8, grad=True,
                  targets=None):
    """Forward (and backward with a fixed random output weighting) agree with torch."""
    import torch
    x = np.asarray(x)
    if x.dtype.kind == "f":
        x = x.astype(dtype)
        torch_module.to(getattr(torch, dtype))
        module.to(getattr(sj, dtype))
    copy_weights(torch_module, module)
    ours_x = sj.tensor(x, requires_grad=grad and x.dtype.kind == "f")
    theirs_x = torch.tensor(x, requires_grad=grad and x.dtype.kind == "f")
    args = () if targets is None else targets
    ours = module(ours_x, *[sj.tensor(t) for t in args])
    theirs = torch_module(theirs_x, *[torch.tensor(t) for t in args])
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)
    if not grad:
        return
    w = np.random.default_rng(0).standard_normal(ours.shape).astype(ours.dtype)
    (ours * sj.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    if ours_x.requires_grad:
        np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=rtol, atol=atol)
    theirs_params = dict(torch_module.named_parameters())
    for name, p in module.named_parameters():
        tp = theirs_params[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
            continue
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {name}")
    for name, b in module.named_buffers():
        tb = dict(torch_module.named_buffers())[name]
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"buffer {name}")
