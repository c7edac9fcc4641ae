"""GossipOptimizer: decentralized training in the BlueFog habit. Wrap any torch optimizer;
every `gossip_every` local steps, the parameters are mixed with the neighbours'."""

import math


class GossipOptimizer:
    """Wraps `optimizer` (any torch.optim.Optimizer over `model`'s parameters) so that step()
    takes the local step and then, every gossip_every steps, a gossip round of `peer`.

    The model's parameters become views into the peer's flat buffer (peer.start(model) is
    called here unless it was already), so the rounds mix them in place with no copy.
    `evaluate` (optional): a callable returning {"test_loss": .., "test_accuracy": ..}, run
    at the settings' evaluation interval and the last round, for the metrics and the report.
    """

    def __init__(self, optimizer, peer, model=None, *, gossip_every=1, evaluate=None, state=None):
        if gossip_every < 1:
            raise ValueError("gossip_every must be at least 1, got %r" % (gossip_every,))
        self.optimizer = optimizer
        self.peer = peer
        self.gossip_every = gossip_every
        self.evaluate = evaluate
        if not peer.started:
            if model is None:
                model = [p for group in optimizer.param_groups for p in group["params"]]
            peer.start(model, state)
        self._steps = 0
        self._losses = []
        self.last_round = None  # the report of the last gossip round

    @property
    def param_groups(self):
        return self.optimizer.param_groups

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def step(self, closure=None, *, loss=None):
        """The wrapped optimizer's step; a gossip round after every gossip_every of them, until
        the run's rounds are done. `loss` (a number or a one-element tensor) goes into the
        round's metrics; with a closure, its loss does."""
        result = self.optimizer.step(closure)
        if loss is None:
            loss = result
        if loss is not None:
            value = float(loss.item() if hasattr(loss, "item") else loss)
            if math.isfinite(value):
                self._losses.append(value)
        self._steps += 1
        if self._steps % self.gossip_every == 0 and not self.peer.done:
            mean = sum(self._losses) / len(self._losses) if self._losses else None
            self._losses = []
            self.last_round = self.peer.round(loss=mean, evaluate=self.evaluate)
        return result

    @property
    def done(self):
        """True once the peer has run every round of the settings."""
        return self.peer.done

    def state_dict(self):
        return {"optimizer": self.optimizer.state_dict(), "gossip": self.peer.state_dict(), "steps": self._steps}

    def load_state_dict(self, state):
        """Restores the wrapped optimizer. The runtime's part is given to the peer when it
        starts: GossipOptimizer(..., state=saved["gossip"])."""
        self.optimizer.load_state_dict(state["optimizer"])
        self._steps = state.get("steps", 0)
