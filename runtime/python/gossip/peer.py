"""gossip.Peer: one peer of a decentralized run, inside the user's own training script."""

import json
import os

from . import _gossip
from .parameters import FlatParameters

# Where a peer's id comes from when the script is not given one, in the order `gossip peer`
# reads them: `gossip launch`, Slurm, Open MPI, PMI, torchrun.
_ID_VARIABLES = ("GOSSIP_PEER_ID", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "RANK")


def _peer_id(given):
    if given is not None:
        return int(given)
    for name in _ID_VARIABLES:
        value = os.environ.get(name)
        if value is not None:
            try:
                return int(value)
            except ValueError:
                raise _gossip.ConfigError("$%s is %r, not a peer id" % (name, value)) from None
    raise _gossip.ConfigError("give the peer's id, or run under a launcher that sets GOSSIP_PEER_ID "
                              "(gossip launch), SLURM_PROCID, OMPI_COMM_WORLD_RANK or RANK")


class Peer:
    """A peer of the run described by a topology file.

    topology, id, run_dir and key default to what `gossip launch FILE -- python3 script.py`
    passes in the environment; settings (keyword arguments) override the file's `training`
    object, as the command line's flags do. Nothing links until start() (or the first
    round); the transport is the same authenticated, encrypted TCP as `gossip peer`.
    overwrite and resume are the flags --overwrite and --resume: a run directory that holds
    this peer's metrics is refused unless the run starts afresh over it or continues it from
    a state_dict() given to start().
    """

    def __init__(self, topology=None, id=None, *, run_dir=None, key=None, overwrite=False, resume=False,
                 plaintext=None, **settings):
        topology = topology or os.environ.get("GOSSIP_TOPOLOGY")
        if not topology:
            raise _gossip.ConfigError("give the topology file, or start the script with "
                                      "`gossip launch FILE -- python3 script.py` (which sets GOSSIP_TOPOLOGY)")
        if plaintext is None:
            plaintext = os.environ.get("GOSSIP_PLAINTEXT") == "1"
        self.run_dir = str(run_dir or os.environ.get("GOSSIP_RUN_DIR", "runs/latest"))
        self._peer = _gossip.ScriptPeer(
            str(topology), _peer_id(id), self.run_dir,
            str(key or os.environ.get("GOSSIP_KEY", "")), json.dumps(settings), bool(overwrite), bool(resume),
            bool(plaintext))
        self._resume = bool(resume)
        self.config = json.loads(self._peer.config_json)
        self._parameters = None

    id = property(lambda self: self._peer.id, doc="This peer's id in the topology file.")
    peers = property(lambda self: self._peer.peers, doc="How many peers the run has.")
    rounds = property(lambda self: self.config["rounds"], doc="training.rounds: how many gossip rounds the run has.")
    round_index = property(lambda self: self._peer.next_round, doc="The round the next call to round() runs.")
    done = property(lambda self: self._peer.done, doc="True once every round of the settings has run.")
    learning_rate = property(lambda self: self._peer.learning_rate,
                             doc="The settings' learning-rate schedule at the next round.")

    @property
    def directory(self):
        """This peer's folder of the run directory (RUN/peer-I): its metrics, log and final model."""
        return os.path.join(self.run_dir, "peer-%d" % self.id)

    @property
    def started(self):
        """True once start() has linked the peer and taken its model."""
        return self._parameters is not None

    @property
    def parameters(self):
        """The flat float32 array that the rounds mix (a view of the model's parameters)."""
        if not self.started:
            raise RuntimeError("peer %d: call start(model) first" % self.id)
        return self._parameters.array

    def task_initial_parameters(self):
        """The first model of the settings' built-in task (training.task), as a float32 array:
        a script that trains that task's model in its layout (examples/torch_mnist/train.py
        --model mlp) starts from it, as the C++ peers it shares a run with do."""
        return self._peer.task_initial_parameters()

    def start(self, model, state=None):
        """Links to the neighbours and makes `model` the peer's model: a torch.nn.Module, a list
        of parameters, a float32 CPU tensor or a float32 NumPy array (see FlatParameters).
        Every peer must start from the same model. `state` is a state_dict() of an earlier run
        of this peer, to resume it where it stopped (the script restores its model itself)."""
        if self.started:
            raise RuntimeError("peer %d: start() was called already" % self.id)
        if self._resume and state is None:
            raise _gossip.ConfigError("peer %d: resume=True continues a run from its state: give start() (or "
                                      "GossipOptimizer) the state_dict() saved with it" % self.id)
        parameters = FlatParameters(model)
        blob = None
        if state is not None:
            if not isinstance(state, dict) or state.get("format") != "gossip.Peer/1":
                raise _gossip.ConfigError("peer %d: the state to resume is not a gossip.Peer state_dict()" % self.id)
            blob = state["runtime"]
        self._peer.start(parameters.array, blob)
        self._parameters = parameters
        return self

    def round(self, *, loss=None, train_accuracy=None, step=None, gradient=None, evaluate=None):
        """One gossip round: the parameters are mixed with the neighbours' in place.

        loss, train_accuracy: what the script's steps since the last round measured (for the
        metrics). step(model): one local step, called local_steps times by rules that step
        inside the round; without it the script steps before calling round(). gradient(at,
        out): the local gradient at `at` into `out` (NumPy views of the runtime's memory, valid
        during the call), for gradient tracking. evaluate(): {"test_loss": .., "test_accuracy":
        ..}, called at the settings' eval_every rounds and the last one. Returns the round's
        report: round, missing neighbours, bytes sent and received, wait seconds."""
        return self._peer.round(self.parameters, _number(loss), _number(train_accuracy), step, gradient, evaluate)

    def state_dict(self):
        """The runtime's state (the rule's memory, the next round), to save beside the
        script's own checkpoint and give to start(..., state=) to resume."""
        return {"format": "gossip.Peer/1", "peer": self.id, "runtime": self._peer.state()}

    def finish(self):
        """After the last round: writes the final model and says goodbye to the neighbours."""
        self._peer.finish(self.parameters)

    def log(self, line):
        """A line of the peer's log (stderr, and RUN/peer-I/peer.log)."""
        self._peer.log(str(line))

    def close(self):
        """Drops the links at once (a peer that stops early: its neighbours carry on without it)."""
        self._peer = None

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None and self._peer is not None and self.started and self._peer.done:
            self.finish()
        self.close()
        return False


def _number(value):
    """A float from a number, a NumPy scalar or a one-element torch tensor (None stays None)."""
    if value is None:
        return None
    item = getattr(value, "item", None)
    return float(item() if item is not None else value)
