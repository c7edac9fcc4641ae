"""The training of train.py by PyTorch DDP over Gloo: the baseline gossip is compared with.

    python3 examples/torch_mnist/ddp.py examples/torch_mnist/ring8.json [--model cnn|mlp]

One process per peer of the topology file, on this machine. Each takes the shard, batch size,
learning rate, momentum, weight decay and number of steps (rounds x local_steps) that the same
peer has under gossip, and starts from the same model (torch.manual_seed(seed)); every step
all-reduces the gradients over Gloo, so all processes hold one model: the exact average that
gossip's peers approach. Prints one JSON line: the model's test accuracy and the training
throughput, evaluations left out as train.py leaves them out (bench/torch_ddp_compare.sh).
"""

import argparse
import json
import os
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import Cnn, Mlp, load, test  # noqa: E402  (the same model and data as the gossip peers')


def settings(path):
    """The topology file's training settings that this baseline reproduces, with gossip's defaults."""
    with open(path) as f:
        document = json.load(f)
    training = document.get("training", {})
    if "schedule" in training:
        raise SystemExit("%s: training.schedule: the DDP baseline takes a constant learning rate only" % path)
    steps = training.get("rounds", 100) * training.get("local_steps", 1)
    if steps < 2:
        raise SystemExit("%s: training.rounds: the DDP baseline times steps after the first; give it 2 or more" % path)
    return {"peers": len(document["peers"]), "seed": training.get("seed", document.get("seed", 0)), "steps": steps,
            "batch_size": training.get("batch_size", 32), "learning_rate": training.get("learning_rate", 0.1),
            "momentum": training.get("momentum", 0.0), "nesterov": training.get("nesterov", False),
            "weight_decay": training.get("weight_decay", 0.0),
            "hidden": training.get("task_options", {}).get("hidden", [256, 128])}


def train(rank, config, model_kind, port, results):
    torch.set_num_threads(1)  # as each gossip peer: the processes share the machine's cores
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank,
                            world_size=config["peers"])
    torch.manual_seed(config["seed"])
    model = Mlp(config["hidden"]) if model_kind == "mlp" else Cnn()
    model = torch.nn.parallel.DistributedDataParallel(model)
    train_x, train_y = load("train")
    shard = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(config["seed"]))
    shard = shard[rank::config["peers"]]
    generator = torch.Generator().manual_seed(config["seed"] * 1000 + rank)
    sgd = torch.optim.SGD(model.parameters(), lr=config["learning_rate"], momentum=config["momentum"],
                          nesterov=config["nesterov"], weight_decay=config["weight_decay"])
    batch = config["batch_size"]
    order, position = shard[torch.randperm(len(shard), generator=generator)], 0
    started = None
    for step in range(config["steps"]):
        if position + batch > len(order):
            order, position = shard[torch.randperm(len(shard), generator=generator)], 0
        indices = order[position:position + batch]
        position += batch
        sgd.zero_grad()
        F.cross_entropy(model(train_x[indices]), train_y[indices]).backward()
        sgd.step()
        if step == 0:  # timed from the end of the first step, as train.py times from its first round
            dist.barrier()
            started = time.time()
    dist.barrier()
    seconds = time.time() - started
    if rank == 0:
        samples = (config["steps"] - 1) * batch * config["peers"]
        results.put({"samples": samples, "train_seconds": seconds, "samples_per_second": samples / max(seconds, 1e-9),
                     **test(model.module, *load("t10k"))})
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topology", help="the gossip run's topology file (peers and training settings)")
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    args = parser.parse_args()
    config = settings(args.topology)
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    began = time.time()
    mp.spawn(train, args=(config, args.model, free_port(), results), nprocs=config["peers"])
    result = results.get()
    result["wall_seconds"] = time.time() - began
    print(json.dumps(result))


if __name__ == "__main__":
    main()
