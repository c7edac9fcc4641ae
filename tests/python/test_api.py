"""gossip.Peer's errors: the CLI's messages as Python exceptions, and misuse named."""

import json
import os
import subprocess

import numpy as np
import pytest

import gossip
from conftest import GOSSIP, ring_topology


def test_a_bad_id_is_the_clis_error(tmp_path):
    topology = ring_topology(str(tmp_path), 2, {"rounds": 3})
    with pytest.raises(gossip.ConfigError) as python_error:
        gossip.Peer(topology, 5, run_dir=str(tmp_path / "run"))
    cli = subprocess.run([GOSSIP, "peer", topology, "--id", "5", "--run-dir", str(tmp_path / "run")],
                         capture_output=True, text=True)
    assert cli.returncode == 2
    assert str(python_error.value) in cli.stderr
    assert "--id 5 is not a peer of" in str(python_error.value)


def test_a_bad_setting_names_the_field(tmp_path):
    topology = ring_topology(str(tmp_path), 2, {"rounds": 3})
    with pytest.raises(gossip.ConfigError, match="training.algorithm"):
        gossip.Peer(topology, 0, run_dir=str(tmp_path / "run"), algorithm="no_such_rule").start(np.zeros(3, np.float32))


def test_misuse_is_named(tmp_path, monkeypatch):
    for name in ("GOSSIP_TOPOLOGY", "GOSSIP_PEER_ID", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "RANK"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(gossip.ConfigError, match="topology file"):
        gossip.Peer()
    topology = ring_topology(str(tmp_path), 2, {"rounds": 3, "startup_timeout_seconds": 1})
    with pytest.raises(gossip.ConfigError, match="peer's id"):
        gossip.Peer(topology)
    peer = gossip.Peer(topology, 0, run_dir=str(tmp_path / "run"))
    with pytest.raises(RuntimeError, match="start"):
        peer.round()
    with pytest.raises(TypeError, match="float32"):
        peer.start(np.zeros(3, np.float64))
    # Nobody else comes: the runtime's error, as `gossip peer` gives it.
    with pytest.raises(RuntimeError, match="no neighbour linked within startup_timeout_seconds"):
        peer.start(np.zeros(3, np.float32))


def test_metrics_are_refused_over_an_earlier_run(tmp_path):
    topology = ring_topology(str(tmp_path), 2, {"rounds": 3})
    run_dir = tmp_path / "run" / "peer-0"
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.jsonl").write_text(json.dumps({"round": 0}) + "\n")
    with pytest.raises(gossip.ConfigError, match="--overwrite"):
        gossip.Peer(topology, 0, run_dir=str(tmp_path / "run"))
    # resume=True (--resume) takes the run on, but only from a state to continue it from.
    with pytest.raises(gossip.ConfigError, match="state_dict"):
        gossip.Peer(topology, 0, run_dir=str(tmp_path / "run"), resume=True).start(np.zeros(3, np.float32))


def test_torch_parameters_become_views_of_the_flat_buffer():
    torch = pytest.importorskip("torch", reason="python3-torch is not installed (apt-get install python3-torch)")
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    before = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()
    flat = gossip.FlatParameters(model)
    assert np.array_equal(flat.array, before.numpy())
    flat.array[:] = 1.5  # what a round does, in place
    assert all(torch.all(p == 1.5) for p in model.parameters())
    assert len(flat) == 11
