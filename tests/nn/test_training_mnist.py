"""Ordinary PyTorch training code, with only the import changed, learns real MNIST."""

import time

import numpy as np

import shenjing as torch
import shenjing.nn as nn
import shenjing.nn.functional as F
from shenjing.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.dropout = nn.Dropout(0.2)

    def forward(self, x):
        x = x.view(-1, 784)
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        x = F.relu(self.fc2(x))
        x = self.dropout(x)
        x = self.fc3(x)
        return F.log_softmax(x, dim=1)


def test_pytorch_style_loop_reaches_97_percent_on_mnist(mnist):
    x_train, y_train, x_test, y_test = mnist
    torch.manual_seed(0)
    train_loader = DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)),
                              batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)),
                            batch_size=1000)
    model = Net()
    criterion = nn.NLLLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    start = time.perf_counter()
    for epoch in range(2):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            output = model(data)
            loss = criterion(output, target)
            loss.backward()
            optimizer.step()
        model.eval()
        val_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in val_loader:
                output = model(data)
                val_loss += criterion(output, target).item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        val_loss /= len(val_loader.dataset)
        print(f"epoch {epoch}: validation loss {val_loss:.4f}, accuracy "
              f"{correct}/{len(val_loader.dataset)}, {time.perf_counter() - start:.1f}s")
    accuracy = correct / len(val_loader.dataset)
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f} < 0.97"
    assert all(p.dtype == np.float32 for p in model.parameters())
