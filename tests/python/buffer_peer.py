"""The Python twin of buffer_peer.cc: the same buffer through gossip.Peer, for the
bit-for-bit comparison (test_bit_exact.py). With --fail-at-round, it raises there instead
(test_exception.py). With --stop-at-round, it saves its model and state_dict() there and
drops its links, as a preempted job would; --resume starts from what it saved (test_resume.py)."""

import os
import pickle
import sys

import numpy as np

import gossip



def option(name):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else -1


fail_at, stop_at = option("--fail-at-round"), option("--stop-at-round")
run_dir = os.environ["GOSSIP_RUN_DIR"]
peer = gossip.Peer(resume="--resume" in sys.argv)
suffix = "-%d.f32" % peer.id
model = np.fromfile(os.path.join(run_dir, "input" + suffix), dtype=np.float32)
target = np.fromfile(os.path.join(run_dir, "target" + suffix), dtype=np.float32)


def gradient(at, out):
    np.subtract(at, target, out=out)


def step(x):  # one gradient step at 0.1, rounded as buffer_peer.cc rounds it
    x -= np.float32(0.1) * (x - target)


callbacks = {} if os.environ.get("GOSSIP_NO_STEPS") else {"step": step, "gradient": gradient}  # bench: mixing only
saved_path = os.path.join(run_dir, "saved" + suffix + ".pickle")
state = None
if "--resume" in sys.argv:
    with open(saved_path, "rb") as f:
        saved = pickle.load(f)
    model[:] = saved["model"]
    state = saved["gossip"]
peer.start(model, state)
while not peer.done:
    if peer.round_index == fail_at:
        raise RuntimeError("failing on purpose at round %d" % fail_at)
    if peer.round_index == stop_at:
        with open(saved_path, "wb") as f:
            pickle.dump({"model": model.copy(), "gossip": peer.state_dict()}, f)
        peer.close()
        sys.exit(0)
    peer.round(**callbacks)
peer.finish()
model.tofile(os.path.join(run_dir, "output" + suffix))
