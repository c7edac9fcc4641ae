"""Fashion-MNIST with PyTorch, trained by every peer of a gossip run.

    gossip launch ring8.json -- python3 examples/torch_mnist/train.py          # a small CNN
    gossip launch ring8.json -- python3 examples/torch_mnist/train.py --model mlp

Each peer trains on its own IID shard; after every local_steps steps (the topology file's
`training`) GossipOptimizer mixes its parameters with its neighbours'. Rounds, batch size,
learning rate and its schedule, momentum and weight decay come from the same settings as the
C++ peers', so a run can mix both (tests/python). `--model mlp` is the built-in MLP's layout
(runtime/tasks/mlp.h: per layer, the weights as inputs x outputs row by row, then the bias),
whose flat parameters a C++ peer can mix and evaluate.
"""

import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import gossip

DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530  # as the C++ task normalises (runtime/data/fashion_mnist.h)


def load(kind):
    with gzip.open(os.path.join(DATA, "%s-images-idx3-ubyte.gz" % kind)) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(DATA, "%s-labels-idx1-ubyte.gz" % kind)) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    images = (images.astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))


def test(model, images, labels, chunk=1000):
    """Test loss and accuracy, a chunk of images at a time: the CNN's activations for all 10k
    images at once take 0.5 GB per process, and 8 processes at once crawl."""
    loss, correct = 0.0, 0
    with torch.no_grad():
        for begin in range(0, len(labels), chunk):
            logits = model(images[begin:begin + chunk])
            loss += F.cross_entropy(logits, labels[begin:begin + chunk], reduction="sum").item()
            correct += (logits.argmax(1) == labels[begin:begin + chunk]).sum().item()
    return {"test_loss": loss / len(labels), "test_accuracy": correct / len(labels)}


class Mlp(torch.nn.Module):
    """Dense layers with ReLU between, each stored as (inputs, outputs): the C++ MLP's layout."""

    def __init__(self, hidden):
        super().__init__()
        widths = [784] + list(hidden) + [10]
        self.weights = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        for inputs, outputs in zip(widths[:-1], widths[1:]):
            bound = 1.0 / inputs ** 0.5  # torch.nn.Linear's default, as the C++ MLP draws it
            self.weights.append(torch.nn.Parameter(torch.empty(inputs, outputs).uniform_(-bound, bound)))
            self.biases.append(torch.nn.Parameter(torch.empty(outputs).uniform_(-bound, bound)))

    def parameters(self, recurse=True):  # weights then bias, layer by layer: the flat layout
        for weight, bias in zip(self.weights, self.biases):
            yield weight
            yield bias

    def forward(self, x):
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            x = x @ weight + bias
            if layer + 1 < len(self.weights):
                x = F.relu(x)
        return x


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(16, 32, 5, padding=2)
        self.fc = torch.nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument("--fail-at-round", type=int, default=-1, help="raise an exception there (a test's)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    peer = gossip.Peer()  # topology, id and run directory from `gossip launch`
    config = peer.config
    torch.manual_seed(config["seed"])  # the same first model on every peer
    hidden = config.get("task_options", {}).get("hidden", [256, 128])
    model = Mlp(hidden) if args.model == "mlp" else Cnn()
    if args.model == "mlp":  # the C++ peers' first model, so that both kinds can share a run
        first = torch.from_numpy(peer.task_initial_parameters())
        with torch.no_grad():
            offset = 0
            for parameter in model.parameters():
                parameter.copy_(first[offset:offset + parameter.numel()].view_as(parameter))
                offset += parameter.numel()

    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    shard = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(config["seed"]))
    shard = shard[peer.id::peer.peers]  # an IID shard of its own
    generator = torch.Generator().manual_seed(config["seed"] * 1000 + peer.id)

    # The last evaluation, when it began, and the seconds spent evaluating before it and in all.
    evaluated = {"seconds": 0.0}

    def evaluate():
        began = time.time()
        evaluated.update(test(model, test_x, test_y), began=began, before=evaluated["seconds"])
        evaluated["seconds"] += time.time() - began
        return {"test_loss": evaluated["test_loss"], "test_accuracy": evaluated["test_accuracy"]}

    sgd = torch.optim.SGD(model.parameters(), lr=config["learning_rate"], momentum=config["momentum"],
                          nesterov=config["nesterov"], weight_decay=config["weight_decay"])
    optimizer = gossip.GossipOptimizer(sgd, peer, model, gossip_every=config["local_steps"], evaluate=evaluate)
    batch = config["batch_size"]
    order, position = shard[torch.randperm(len(shard), generator=generator)], 0
    # The clock starts once the first round has met the neighbours (as DDP's start-up barrier
    # in ddp.py), so the peers' staggered start-up is not counted as training.
    started, samples = None, 0
    while not peer.done:
        if peer.round_index == args.fail_at_round:
            raise RuntimeError("failing on purpose at round %d" % peer.round_index)
        for group in sgd.param_groups:
            group["lr"] = peer.learning_rate  # the run's schedule
        if position + batch > len(order):
            order, position = shard[torch.randperm(len(shard), generator=generator)], 0
        indices = order[position:position + batch]
        position += batch
        optimizer.zero_grad()
        loss = F.cross_entropy(model(train_x[indices]), train_y[indices])
        loss.backward()
        optimizer.step(loss=loss)
        samples += batch
        if started is None and peer.round_index == 1:
            started, samples = time.time(), 0
    peer.finish()
    # Training time, as DDP's in ddp.py: up to the last round's evaluation (the runtime
    # evaluates every peer after its last round), without the evaluations before it.
    ended = evaluated["began"]
    if started is None:  # a run of one round: nothing after the start-up to time
        started, samples = ended, 0
    seconds = ended - started - evaluated["before"]
    result = {"samples": samples, "train_seconds": seconds, "began": started, "ended": ended,
              "samples_per_second": samples / max(seconds, 1e-9),
              "test_accuracy": evaluated["test_accuracy"], "test_loss": evaluated["test_loss"]}
    with open(os.path.join(peer.directory, "train.json"), "w") as f:
        json.dump(result, f)
    peer.log("trained %d samples in %.1f s (%.0f samples/s); test accuracy %.4f" %
             (samples, seconds, result["samples_per_second"], result["test_accuracy"]))


if __name__ == "__main__":
    main()
