"""What the Python tests share: the binaries under test, free ports, and peers started the
way `gossip launch` starts a script (its environment), so C++ and Python peers can share a
run."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

GOSSIP = os.environ.get("GOSSIP_BINARY", os.path.join(os.path.dirname(__file__), "../../build/gossip"))
BUFFER_PEER = os.environ.get("GOSSIP_BUFFER_PEER", os.path.join(os.path.dirname(__file__), "../../build/tests/buffer_peer"))
SOURCE = os.environ.get("GOSSIP_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def ring_topology(directory, peers, training, graph="ring"):
    """A topology file on free loopback ports with keys made by `gossip keygen`."""
    ports = free_ports(peers)
    topology = {"version": 1, "seed": 7, "graph": {"kind": graph},
                "peers": [{"id": i, "host": "127.0.0.1", "port": ports[i]} for i in range(peers)],
                "training": training}
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "topology.json")
    with open(path, "w") as f:
        json.dump(topology, f)
    subprocess.run([GOSSIP, "keygen", "--update", path, "--out", os.path.join(directory, "keys")], check=True,
                   stdout=subprocess.DEVNULL)
    return path


def start_peer(command, topology, peer, run_dir):
    """Starts `command` as peer `peer` with the environment `gossip launch` gives a script."""
    env = dict(os.environ, GOSSIP_TOPOLOGY=topology, GOSSIP_PEER_ID=str(peer), GOSSIP_RUN_DIR=run_dir,
               GOSSIP_KEY=os.path.join(os.path.dirname(topology), "keys", "peer-%d.key" % peer), GOSSIP_LAUNCHED="1")
    os.makedirs(os.path.join(run_dir, "peer-%d" % peer), exist_ok=True)
    log = open(os.path.join(run_dir, "peer-%d" % peer, "peer.log"), "w")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_all(processes, timeout):
    deadline = time.time() + timeout
    codes = []
    for process in processes:
        codes.append(process.wait(timeout=max(1, deadline - time.time())))
    return codes


def read_metrics(run_dir, peer):
    with open(os.path.join(run_dir, "peer-%d" % peer, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def log_of(run_dir, peer):
    with open(os.path.join(run_dir, "peer-%d" % peer, "peer.log")) as f:
        return f.read()



def torch_or_skip():
    return pytest.importorskip("torch", reason="python3-torch is not installed (apt-get install python3-torch)")
