"""A checkpoint written with shenjing.save resumes training exactly where it stopped."""

import numpy as np

import shenjing as torch
from shenjing import nn


def make(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.1),
                          nn.Linear(16, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=40)
    return model, optimizer, scheduler


def batches():
    rng = np.random.default_rng(1)
    for _ in range(40):
        yield (torch.tensor(rng.standard_normal((8, 6)).astype(np.float32)),
               torch.tensor(rng.integers(0, 3, 8)))


def train(model, optimizer, scheduler, data):
    model.train()
    for x, y in data:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        scheduler.step()


def test_save_load_resume_equals_uninterrupted_run(tmp_path):
    data = list(batches())
    reference = make()
    train(*reference, data)

    model, optimizer, scheduler = make()
    train(model, optimizer, scheduler, data[:15])
    path = tmp_path / "checkpoint.safetensors"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": 15,
                "rng": torch.backend.get_rng_state()}, path)

    fresh, fresh_opt, fresh_sched = make(seed=123)      # different initial weights
    checkpoint = torch.load(path)
    fresh.load_state_dict(checkpoint["model"])
    fresh_opt.load_state_dict(checkpoint["optimizer"])
    fresh_sched.load_state_dict(checkpoint["scheduler"])
    torch.backend.set_rng_state(checkpoint["rng"])      # dropout masks continue the same way
    assert checkpoint["epoch"] == 15
    train(fresh, fresh_opt, fresh_sched, data[15:])

    for (name, a), (_, b) in zip(reference[0].state_dict().items(), fresh.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert fresh_sched.get_last_lr() == reference[2].get_last_lr()
    reference[0].eval()
    fresh.eval()
    x = torch.randn(5, 6)
    np.testing.assert_array_equal(reference[0](x).numpy(), fresh(x).numpy())
