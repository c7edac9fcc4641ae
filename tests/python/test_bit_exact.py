"""A Python peer's round gives the same mixed buffer as the C++ peer's, bit for bit: a ring
of four C++ peers, then the same ring with peers 1 and 3 in Python, on the same inputs. Each
peer's objective is 0.5 |x - b_i|^2 with its own b_i: the rules' local steps (step, and
gradient for gradient tracking) come from the script, the mixing from the runtime."""

import os

import numpy as np
import pytest

from conftest import BUFFER_PEER, HERE, PYTHON, log_of, ring_topology, start_peer, wait_all

PEERS, SIZE = 4, 1001  # odd: no size a vector loop divides


def run(directory, training, python_peers):
    topology = ring_topology(directory, PEERS, training)
    run_dir = os.path.join(directory, "run")
    generator = np.random.default_rng(11)
    os.makedirs(run_dir, exist_ok=True)
    start = generator.standard_normal(SIZE).astype(np.float32)  # every peer starts from the same model
    for peer in range(PEERS):
        start.tofile(os.path.join(run_dir, "input-%d.f32" % peer))
        generator.standard_normal(SIZE).astype(np.float32).tofile(os.path.join(run_dir, "target-%d.f32" % peer))
    processes = []
    for peer in range(PEERS):
        command = [PYTHON, os.path.join(HERE, "buffer_peer.py")] if peer in python_peers else [BUFFER_PEER]
        processes.append(start_peer(command, topology, peer, run_dir))
    codes = wait_all(processes, 120)
    for peer, code in enumerate(codes):
        assert code == 0, log_of(run_dir, peer)
    return [np.fromfile(os.path.join(run_dir, "output-%d.f32" % p), dtype=np.float32) for p in range(PEERS)]


SETTINGS = {
    "dsgd": {"algorithm": "atc"},
    "choco_top_k": {"algorithm": "choco", "compressor": {"kind": "top_k", "fraction": 0.1}, "consensus_step": 0.5},
    "trimmed_mean": {"algorithm": "atc", "aggregator": {"kind": "trimmed_mean", "f": 1}},
    "gradient_tracking": {"algorithm": "gradient_tracking", "momentum": 0.5},
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_python_round_is_the_cpp_round_bit_for_bit(tmp_path, name):
    training = dict(SETTINGS[name], rounds=25, learning_rate=0.1, round_deadline="fixed", round_timeout_seconds=30,
                    eval_every=10)
    cpp = run(str(tmp_path / "cpp"), training, python_peers=())
    mixed = run(str(tmp_path / "mixed"), training, python_peers=(1, 3))
    start = np.fromfile(str(tmp_path / "cpp" / "run" / "input-0.f32"), dtype=np.float32)
    assert not np.array_equal(cpp[0], start)  # the rounds moved the model
    assert not np.array_equal(cpp[0], cpp[1])  # and the peers are not yet one
    for peer in range(PEERS):
        assert cpp[peer].tobytes() == mixed[peer].tobytes(), "peer %d differs" % peer
