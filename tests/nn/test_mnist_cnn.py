"""A small convnet, written as ordinary PyTorch code with only the import changed, learns
real MNIST to at least 98.5% test accuracy in one epoch (conv-pool-conv-pool-linear, Adam
with a one-cycle learning rate: constant 1e-3 gives 97.8-98.2% in one epoch, in PyTorch too).

The data come from the ``mnist`` fixture (../shared/data/mnist or $SHENJING_DATA/mnist);
the test is skipped, saying where it looked, when the files are absent."""

import time

import numpy as np

import shenjing as torch
import shenjing.nn as nn
import shenjing.nn.functional as F
from shenjing.utils.data import DataLoader, TensorDataset


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)          # 28 -> 26
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)         # 13 -> 11
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))                   # (N, 32, 13, 13)
        x = self.pool(F.relu(self.conv2(x)))                   # (N, 64, 5, 5)
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.fc1(x)))


def test_convnet_reaches_98_5_percent_on_mnist_in_one_epoch(mnist):
    x_train, y_train, x_test, y_test = mnist
    torch.manual_seed(0)
    train = TensorDataset(torch.from_numpy(x_train[:, None]), torch.from_numpy(y_train))
    test = TensorDataset(torch.from_numpy(x_test[:, None]), torch.from_numpy(y_test))
    train_loader = DataLoader(train, batch_size=64, shuffle=True)
    test_loader = DataLoader(test, batch_size=1000)
    model = ConvNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3,
                                                    total_steps=len(train_loader))
    start = time.perf_counter()
    model.train()
    for data, target in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        scheduler.step()
    trained = time.perf_counter() - start
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            correct += (model(data).argmax(dim=1) == target).sum().item()
    accuracy = correct / len(test)
    print(f"\nMNIST convnet: test accuracy {accuracy:.4f} after 1 epoch; training {trained:.1f}s, "
          f"total {time.perf_counter() - start:.1f}s")
    assert accuracy >= 0.985, f"test accuracy {accuracy:.4f} < 0.985"
    assert all(p.dtype == np.float32 for p in model.parameters())
