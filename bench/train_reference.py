#!/usr/bin/env python3
"""The PyTorch reference for `gossip bench train`: the same MLP, batch, optimizer and data
layout, measured the same way, printing the same fields.

Same as the C++ bench: nn.Linear layers with ReLU between them, cross-entropy, SGD with
momentum 0.9 and lr 0.01; batches taken in turn from a pool of 4096 random samples in
[0, 1) (or one batch, if larger); warm-up steps for 0.3 s (at least 3) size the timed
repetitions; samples/s = batch * steps / seconds per repetition. PyTorch's step does
not read the loss back or count correct predictions, which the gossip step does, so
any difference there favours PyTorch.

Needs torch (Debian: apt-get install python3-torch).
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F

INPUTS, CLASSES, POOL_SAMPLES = 784, 10, 4096


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--hidden", default="256,128", help="hidden widths, comma separated")
    timing = parser.add_mutually_exclusive_group()
    timing.add_argument("--seconds", type=float, default=0.5, help="seconds per timed repetition")
    timing.add_argument("--steps", type=int, default=0, help="steps per timed repetition")
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    if args.batch < 1 or args.threads < 1 or args.repetitions < 1 or args.steps < 0 or args.seconds <= 0:
        parser.error(f"out of range: batch {args.batch}, threads {args.threads}, repetitions {args.repetitions}, "
                     f"steps {args.steps}, seconds {args.seconds}")
    args.hidden = [int(width) for width in args.hidden.split(",")]
    return args


def build_model(hidden):
    layers, inputs = [], INPUTS
    for width in hidden:
        layers += [torch.nn.Linear(inputs, width), torch.nn.ReLU()]
        inputs = width
    layers.append(torch.nn.Linear(inputs, CLASSES))
    return torch.nn.Sequential(*layers)


class Trainer:
    def __init__(self, args):
        torch.manual_seed(1)
        self.model = build_model(args.hidden)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        self.batch = args.batch
        self.pool_batches = max(1, POOL_SAMPLES // args.batch)
        samples = self.batch * self.pool_batches
        # Row-major samples x inputs, so one batch is a contiguous slice, as a column
        # block is in the column-major C++ bench.
        self.images = torch.rand(samples, INPUTS)
        self.labels = torch.randint(0, CLASSES, (samples,))
        self.next = 0

    def step(self):
        first = (self.next % self.pool_batches) * self.batch
        self.next += 1
        images = self.images[first:first + self.batch]
        labels = self.labels[first:first + self.batch]
        loss = F.cross_entropy(self.model(images), labels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def time(self, steps):
        start = time.perf_counter()
        for _ in range(steps):
            self.step()
        return time.perf_counter() - start


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    trainer = Trainer(args)
    parameters = sum(p.numel() for p in trainer.model.parameters())
    warm_steps, elapsed = 0, 0.0
    while warm_steps < 3 or elapsed < 0.3:
        elapsed += trainer.time(1)
        warm_steps += 1
    steps = args.steps if args.steps > 0 else max(1, int(args.seconds * warm_steps / elapsed))
    rates = [args.batch * steps / trainer.time(steps) for _ in range(args.repetitions)]
    ordered = sorted(rates)
    report = {
        "implementation": "pytorch",
        "batch": args.batch,
        "threads": args.threads,
        "hidden": args.hidden,
        "parameters": parameters,
        "steps_per_repetition": steps,
        "repetitions": len(rates),
        "samples_per_second": rates,
        "samples_per_second_min": ordered[0],
        "samples_per_second_median": ordered[len(ordered) // 2],
        "samples_per_second_max": ordered[-1],
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else "unknown",
    }
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
        return
    layers = " -> ".join(str(n) for n in [INPUTS, *args.hidden, CLASSES])
    print(f"PyTorch {torch.__version__} MLP training steps: {layers} ({parameters} parameters), "
          f"batch {args.batch}, {args.threads} thread{'' if args.threads == 1 else 's'}")
    print(f"{len(rates)} repetitions of {steps} steps after a warm-up")
    print("                 min      median         max")
    print(f"samples/s  {ordered[0]:10.0f}  {ordered[len(ordered) // 2]:10.0f}  {ordered[-1]:10.0f}")


if __name__ == "__main__":
    main()
