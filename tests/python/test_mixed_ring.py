"""Four C++ peers (`gossip peer`, the built-in MLP) and four Python peers (a torch MLP of the
same layout, examples/torch_mnist/train.py) share one ring of Fashion-MNIST and train to the
accuracy of an all-C++ run, within 0.5 points."""

import json
import os
import subprocess

from conftest import GOSSIP, PYTHON, SOURCE, log_of, read_metrics, ring_topology, start_peer, torch_or_skip, wait_all

PEERS = 8


def mean_final_accuracy(run_dir):
    finals = [read_metrics(run_dir, peer)[-1] for peer in range(PEERS)]
    assert all(line["round"] == finals[0]["round"] for line in finals)
    return sum(line["test_accuracy"] for line in finals) / PEERS


def test_cpp_and_python_peers_share_a_ring(tmp_path):
    torch_or_skip()
    with open(os.path.join(SOURCE, "examples/torch_mnist/ring8.json")) as f:
        training = json.load(f)["training"]
    # Every peer waits for every neighbour: the comparison is of the two paths' training, not
    # of how the adaptive deadline treats a Python peer's slower evaluation pauses.
    training.update(round_deadline="fixed", round_timeout_seconds=60)
    topology = ring_topology(str(tmp_path), PEERS, training)

    cpp_dir = str(tmp_path / "cpp")
    subprocess.run([GOSSIP, "launch", topology, "--run-dir", cpp_dir], check=True, capture_output=True, timeout=600)

    mixed_dir = str(tmp_path / "mixed")
    train = [PYTHON, os.path.join(SOURCE, "examples/torch_mnist/train.py"), "--model", "mlp"]
    processes = []
    for peer in range(PEERS):
        if peer % 2 == 0:
            key = os.path.join(str(tmp_path), "keys", "peer-%d.key" % peer)
            command = [GOSSIP, "peer", topology, "--id", str(peer), "--key", key, "--run-dir", mixed_dir]
        else:
            command = train
        processes.append(start_peer(command, topology, peer, mixed_dir))
    for peer, code in enumerate(wait_all(processes, 600)):
        assert code == 0, log_of(mixed_dir, peer)

    cpp, mixed = mean_final_accuracy(cpp_dir), mean_final_accuracy(mixed_dir)
    print("mean test accuracy of the peers: all C++ %.4f, 4 C++ + 4 Python %.4f" % (cpp, mixed))
    assert cpp > 0.8
    assert abs(cpp - mixed) <= 0.005
