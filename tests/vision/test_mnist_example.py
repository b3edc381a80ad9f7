"""The official PyTorch examples' MNIST program (pytorch/examples, mnist/main.py), written
again from its behaviour with ``torch`` -> ``shenjing`` and ``torchvision`` ->
``shenjing.vision``, trained on real MNIST.

Changes beside the imports: ``args`` is a namespace instead of argparse (the example's
defaults, one epoch), ``test`` returns (loss, correct) besides printing and is marked as no
pytest test, ``main`` returns the last loss, accuracy and optimizer, the data root is the
shared data folder, and the fast test trains on a ``Subset``.  The published result is
~98-99% test accuracy after one epoch.

Timings on the 2-core test machine, shared with other jobs: the full epoch (marked
``slow``: ``pytest -m slow``) 529 s, 98.25% on the 10,000 test images; the default subset
test 43 s, 95.6% on 2,000 test images after one pass over 10,000 training images.
"""

import time
import types

import pytest

import shenjing as torch
import shenjing.nn as nn
import shenjing.nn.functional as F
import shenjing.optim as optim
from shenjing.optim.lr_scheduler import StepLR
from shenjing.vision import datasets, transforms
from tests.conftest import shared_data_dir


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return test_loss, correct


test.__test__ = False  # the example's own name; not a pytest test


def main(args, train_size=None, test_size=None):
    use_accel = not args.no_accel and torch.accelerator.is_available()

    torch.manual_seed(args.seed)

    if use_accel:
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")

    train_kwargs = {'batch_size': args.batch_size}
    test_kwargs = {'batch_size': args.test_batch_size}
    if use_accel:
        accel_kwargs = {'num_workers': 1,
                        'persistent_workers': True,
                        'pin_memory': True,
                        'shuffle': True}
        train_kwargs.update(accel_kwargs)
        test_kwargs.update(accel_kwargs)

    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,))
        ])
    dataset1 = datasets.MNIST(args.data, train=True, download=True,
                              transform=transform)
    dataset2 = datasets.MNIST(args.data, train=False,
                              transform=transform)
    if train_size is not None:
        dataset1 = torch.utils.data.Subset(dataset1, range(train_size))
    if test_size is not None:
        dataset2 = torch.utils.data.Subset(dataset2, range(test_size))
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(dataset2, **test_kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test_loss, correct = test(model, device, test_loader)
        scheduler.step()
    return test_loss, correct / len(test_loader.dataset), optimizer


def _args():
    data = shared_data_dir()
    if not (data / "mnist").is_dir():
        pytest.skip(f"real MNIST not found at {data / 'mnist'}; set SHENJING_DATA")
    # the example's argparse defaults, with one epoch
    return types.SimpleNamespace(batch_size=64, test_batch_size=1000, epochs=1, lr=1.0,
                                 gamma=0.7, no_accel=False, dry_run=False, seed=1,
                                 log_interval=10, save_model=False, data=str(data))


def test_mnist_example_on_a_subset_learns():
    """10,000 training images (one pass), 2,000 test images: >= 95% accuracy."""
    start = time.perf_counter()
    loss, accuracy, optimizer = main(_args(), train_size=10000, test_size=2000)
    print(f"subset: {time.perf_counter() - start:.1f} s, accuracy {accuracy:.4f}, loss {loss:.4f}")
    assert accuracy >= 0.95, accuracy
    assert loss < 0.2, loss
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.7)  # StepLR stepped once


@pytest.mark.slow
def test_mnist_example_one_epoch_reaches_published_accuracy():
    """The whole program, one epoch on all 60,000 images: ~98%+ on the 10,000 test images."""
    start = time.perf_counter()
    loss, accuracy, _ = main(_args())
    print(f"full epoch: {time.perf_counter() - start:.1f} s, accuracy {accuracy:.4f}, "
          f"loss {loss:.4f}")
    assert accuracy >= 0.98, accuracy
