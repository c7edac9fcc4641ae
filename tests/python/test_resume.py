"""A Python peer resumes from its state_dict() where it stopped: a ring of four Python peers
stopped after round 12 (each saving its model and peer.state_dict(), then dropping its
links, as a preempted job would) and started again from what it saved ends bit for bit where
an uninterrupted run ends, for rules that keep state between rounds."""

import os

import numpy as np
import pytest

from conftest import HERE, PYTHON, log_of, ring_topology, start_peer, wait_all

PEERS, SIZE, STOP = 4, 1001, 12


def run_peers(topology, run_dir, *arguments):
    processes = [start_peer([PYTHON, os.path.join(HERE, "buffer_peer.py"), *arguments], topology, peer, run_dir)
                 for peer in range(PEERS)]
    for peer, code in enumerate(wait_all(processes, 120)):
        assert code == 0, log_of(run_dir, peer)


def outputs(directory, training, stop):
    topology = ring_topology(directory, PEERS, training)
    run_dir = os.path.join(directory, "run")
    generator = np.random.default_rng(5)
    os.makedirs(run_dir, exist_ok=True)
    start = generator.standard_normal(SIZE).astype(np.float32)
    for peer in range(PEERS):
        start.tofile(os.path.join(run_dir, "input-%d.f32" % peer))
        generator.standard_normal(SIZE).astype(np.float32).tofile(os.path.join(run_dir, "target-%d.f32" % peer))
    if stop:
        run_peers(topology, run_dir, "--stop-at-round", str(STOP))
        assert not os.path.exists(os.path.join(run_dir, "output-0.f32"))
        run_peers(topology, run_dir, "--resume")
    else:
        run_peers(topology, run_dir)
    return [np.fromfile(os.path.join(run_dir, "output-%d.f32" % p), dtype=np.float32) for p in range(PEERS)]


SETTINGS = {
    "choco_top_k": {"algorithm": "choco", "compressor": {"kind": "top_k", "fraction": 0.1}, "consensus_step": 0.5},
    "gradient_tracking": {"algorithm": "gradient_tracking", "momentum": 0.5},
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_a_resumed_python_run_ends_where_an_uninterrupted_one_does(tmp_path, name):
    training = dict(SETTINGS[name], rounds=25, learning_rate=0.1, round_deadline="fixed", round_timeout_seconds=30,
                    eval_every=0)
    whole = outputs(str(tmp_path / "whole"), training, stop=False)
    resumed = outputs(str(tmp_path / "resumed"), training, stop=True)
    assert not np.array_equal(whole[0], whole[1])  # the peers are not yet one: the state matters
    for peer in range(PEERS):
        assert whole[peer].tobytes() == resumed[peer].tobytes(), "peer %d differs" % peer
    with open(os.path.join(str(tmp_path / "resumed"), "run", "peer-0", "peer.log")) as f:
        assert "resumed at round %d" % STOP in f.read()
