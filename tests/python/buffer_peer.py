"""The Python twin of buffer_peer.cc: the same buffer through gossip.Peer, for the
bit-for-bit comparison (test_bit_exact.py). With --fail-at-round, it raises there instead
(test_exception.py)."""

import os
import sys

import numpy as np

import gossip

fail_at = int(sys.argv[sys.argv.index("--fail-at-round") + 1]) if "--fail-at-round" in sys.argv else -1
run_dir = os.environ["GOSSIP_RUN_DIR"]
peer = gossip.Peer()
suffix = "-%d.f32" % peer.id
model = np.fromfile(os.path.join(run_dir, "input" + suffix), dtype=np.float32)
target = np.fromfile(os.path.join(run_dir, "target" + suffix), dtype=np.float32)


def gradient(at, out):
    np.subtract(at, target, out=out)


def step(x):  # one gradient step at 0.1, rounded as buffer_peer.cc rounds it
    x -= np.float32(0.1) * (x - target)


callbacks = {} if os.environ.get("GOSSIP_NO_STEPS") else {"step": step, "gradient": gradient}  # bench: mixing only
peer.start(model)
while not peer.done:
    if peer.round_index == fail_at:
        raise RuntimeError("failing on purpose at round %d" % fail_at)
    peer.round(**callbacks)
peer.finish()
model.tofile(os.path.join(run_dir, "output" + suffix))
