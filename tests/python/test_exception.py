"""A Python exception inside the training loop ends that peer cleanly (its traceback in its
log, a non-zero exit, no hang), and its neighbours carry on to the last round without it."""

import os
import subprocess
import time

import numpy as np

from conftest import GOSSIP, HERE, PYTHON, log_of, read_metrics, ring_topology

ROUNDS, FAIL_AT = 200, 20


def test_an_exception_ends_its_peer_and_the_others_finish(tmp_path):
    training = {"rounds": ROUNDS, "round_timeout_seconds": 5, "eval_every": 50}
    topology = ring_topology(str(tmp_path), 4, training)
    run_dir = str(tmp_path / "run")
    # Every peer runs the same script; only peer 2 reaches its failing round (the others
    # are given a round past the end).
    script = str(tmp_path / "peer.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\nfail=%d\n[ "$GOSSIP_PEER_ID" = 2 ] && fail=%d\n' % (ROUNDS + 1, FAIL_AT))
        f.write('exec %s %s --fail-at-round "$fail"\n' % (PYTHON, os.path.join(HERE, "buffer_peer.py")))
    os.chmod(script, 0o755)
    os.makedirs(run_dir, exist_ok=True)
    for peer in range(4):
        np.full(101, 1.0, np.float32).tofile(os.path.join(run_dir, "input-%d.f32" % peer))
        np.full(101, float(peer), np.float32).tofile(os.path.join(run_dir, "target-%d.f32" % peer))
    started = time.time()
    result = subprocess.run([GOSSIP, "launch", topology, "--run-dir", run_dir, "--", script],
                            capture_output=True, text=True, timeout=300)
    elapsed = time.time() - started
    assert result.returncode == 1, result.stderr
    assert "peer 2 failed: exit status 1" in result.stderr
    assert "RuntimeError: failing on purpose at round %d" % FAIL_AT in log_of(run_dir, 2)
    assert len(read_metrics(run_dir, 2)) == FAIL_AT
    for peer in (0, 1, 3):
        lines = read_metrics(run_dir, peer)
        assert len(lines) == ROUNDS, log_of(run_dir, peer)
        if peer in (1, 3):  # peer 2's neighbours: it is missing from its failure on, and only then
            missing = [line["round"] for line in lines if 2 in line["missing"]]
            assert missing and min(missing) >= FAIL_AT - 1
            assert len(missing) >= ROUNDS - FAIL_AT - 1
    # Not a round timeout each round: a dropped link is missed at once.
    assert elapsed < 60, "took %.0f s" % elapsed
