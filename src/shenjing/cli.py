"""The ``shenjing`` command (also ``python -m shenjing``).

    shenjing --version
    shenjing demo [--epochs 5] [--batch-size 64] [--lr 0.001] [--seed 0] [--out shenjing-demo]
    shenjing examples | run NAME [--epochs N ...] | gradcheck MODULE:FACTORY   (commands/)
    shenjing zero train|play|arena|gtp ...   (AlphaZero: see shenjing zero --help)
    shenjing tune status DIR [--storage URL]   (the trials table of a hyperparameter search)
    shenjing launch -n N [--hostfile FILE] script.py [args]   (mpirun: distributed training)

Each subcommand is one function ``_cmd_<name>(args)`` plus its parser in ``_parser()``;
adding a command means adding both.
"""

import argparse
import math
import sys
import time

import numpy

import shenjing


def main(argv=None):
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.run(args)


def _parser():
    parser = argparse.ArgumentParser(
        prog="shenjing", description="shenjing: a deep-learning framework on NumPy.")
    parser.add_argument("--version", action="version", version=f"shenjing {shenjing.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command")

    demo = sub.add_parser(
        "demo", help="train a small MLP on the embedded MNIST sample (offline, a few seconds)",
        description="Train a 784-128-10 ReLU MLP, written directly with the engine, on the "
                    "first 8,000 digits of the embedded MNIST test set and report the accuracy "
                    "on the other 2,000 after each epoch.")
    demo.add_argument("--epochs", type=_positive_int, default=5, help="passes over the 8,000 "
                      "training digits (default 5)")
    demo.add_argument("--batch-size", type=_positive_int, default=64, help="default 64")
    demo.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    demo.add_argument("--seed", type=int, default=0, help="shenjing.manual_seed (default 0)")
    demo.add_argument("--out", default="shenjing-demo", help="folder for the training curve "
                      "(history.png, needs matplotlib) and the model (model.safetensors); "
                      "default ./shenjing-demo")
    demo.set_defaults(run=_cmd_demo)

    from .commands import add_commands as add_course_commands
    add_course_commands(sub, _positive_int)

    from .zero.cli import add_commands
    add_commands(sub)
    from .tune.status import add_commands as add_tune_commands
    add_tune_commands(sub)

    launch = sub.add_parser(
        "launch", help="run a training script on N MPI ranks (wraps mpirun)",
        description="Start N processes of SCRIPT under mpirun (one machine, or the machines "
                    "of --hostfile); the script calls shenjing.distributed."
                    "init_process_group(backend='mpi').")
    launch.add_argument("-n", "--nprocs", type=_positive_int, required=True, help="ranks")
    launch.add_argument("--hostfile", help="mpirun hostfile for several machines "
                        "(lines like 'node1 slots=4')")
    launch.add_argument("--dry-run", action="store_true", help="print the mpirun command only")
    launch.add_argument("script", help="the Python script to run on every rank")
    launch.add_argument("script_args", nargs=argparse.REMAINDER, help="its arguments")
    launch.set_defaults(run=_cmd_launch)
    return parser


def _cmd_launch(args):
    from .distributed.launch import launch
    try:
        return launch(args.nprocs, args.script, args.script_args, args.hostfile, args.dry_run)
    except FileNotFoundError as error:
        print(f"shenjing {error}", file=sys.stderr)
        return 1


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


# ---------------------------------------------------------------- demo

def _cmd_demo(args):
    print(f"shenjing {shenjing.__version__} demo: MLP 784-128-10 (ReLU, Adam lr {args.lr:g}, "
          f"batch {args.batch_size}) on the embedded MNIST test set: train 8,000 / test 2,000")
    result = train_mnist_mlp(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             seed=args.seed, log=print)
    print(f"test accuracy {100 * result['accuracy']:.2f}% after {args.epochs} epoch(s), "
          f"{result['seconds']:.1f} s in all")
    from .commands.demo_outputs import save_demo_outputs
    for line in save_demo_outputs(result, args.out):
        print(line)
    return 0


def train_mnist_mlp(epochs=5, batch_size=64, lr=1e-3, seed=0, n_train=8000, log=None):
    """Train the demo MLP; returns ``{"accuracy", "loss", "seconds", "history", "params"}``
    (``params``: the trained ``[W1 (784, 128), b1, W2 (128, 10), b2]``).

    Everything is written with the engine itself: parameters are tensors that require grad,
    the forward is ``relu(x @ W1 + b1) @ W2 + b2``, the loss is softmax cross-entropy from
    ``log_softmax`` and ``gather``, and Adam updates the parameters in place under
    ``no_grad()``.  The same seed gives the same numbers, run after run.
    """
    from .datasets import load_sample

    start = time.perf_counter()
    shenjing.manual_seed(seed)
    images, labels = load_sample("mnist")
    x = images.reshape(len(images), -1).astype(numpy.float32) / 255.0
    x = (x - 0.1307) / 0.3081  # the usual MNIST mean and std: inputs near zero mean, unit scale
    y = labels.astype(numpy.int64)
    x_train, y_train, x_test, y_test = x[:n_train], y[:n_train], x[n_train:], y[n_train:]

    # He initialisation: weights ~ N(0, 2 / fan_in) keep the variance of ReLU layers steady
    params = [_he(784, 128), shenjing.zeros(128, requires_grad=True),
              _he(128, 10), shenjing.zeros(10, requires_grad=True)]
    optimizer = _Adam(params, lr=lr)

    history = []
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        order = shenjing.randperm(n_train).numpy()
        total, count = 0.0, 0
        for i in range(0, n_train, batch_size):
            batch = order[i:i + batch_size]
            logits = _forward(params, shenjing.from_numpy(x_train[batch]))
            loss = _cross_entropy(logits, shenjing.from_numpy(y_train[batch]))
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
            count += len(batch)
        accuracy = _accuracy(params, x_test, y_test)
        seconds = time.perf_counter() - t0
        history.append({"epoch": epoch, "loss": total / count, "accuracy": accuracy,
                        "seconds": seconds})
        if log is not None:
            log(f"epoch {epoch}/{epochs}  train loss {total / count:.4f}  "
                f"test accuracy {100 * accuracy:.2f}%  {seconds:.2f} s")
    last = history[-1] if history else {"loss": float("nan"), "accuracy": float("nan")}
    return {"accuracy": last["accuracy"], "loss": last["loss"], "history": history,
            "seconds": time.perf_counter() - start, "params": params}


def _he(fan_in, fan_out):
    return (shenjing.randn(fan_in, fan_out) * math.sqrt(2.0 / fan_in)).requires_grad_()


def _forward(params, x):
    w1, b1, w2, b2 = params
    return shenjing.relu(x @ w1 + b1) @ w2 + b2


def _cross_entropy(logits, target):
    """Mean over the batch of -log softmax(logits)[target], computed stably by log_softmax."""
    logp = shenjing.log_softmax(logits, dim=1)
    return -shenjing.gather(logp, 1, target.reshape(-1, 1)).mean()


def _accuracy(params, x, y, batch_size=1000):
    correct = 0
    with shenjing.no_grad():
        for i in range(0, len(x), batch_size):
            logits = _forward(params, shenjing.from_numpy(x[i:i + batch_size]))
            correct += int((logits.numpy().argmax(1) == y[i:i + batch_size]).sum())
    return correct / len(x)


class _Adam:
    """Adam (Kingma & Ba): m and v are running means of g and g^2, bias-corrected;
    p -= lr * m_hat / (sqrt(v_hat) + eps).  The update is done in place under no_grad()."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = [shenjing.zeros_like(p) for p in params]
        self.v = [shenjing.zeros_like(p) for p in params]
        self.t = 0

    def step(self):
        b1, b2 = self.betas
        self.t += 1
        correction1 = 1 - b1 ** self.t
        correction2 = 1 - b2 ** self.t
        with shenjing.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                g = p.grad
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (v / correction2).sqrt().add_(self.eps)
                p.addcdiv_(m, denom, value=-self.lr / correction1)
                p.grad = None


if __name__ == "__main__":
    sys.exit(main())
