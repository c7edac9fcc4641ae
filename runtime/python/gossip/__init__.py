"""Decentralized training from a PyTorch (or NumPy) script with the gossip runtime.

    import gossip
    peer = gossip.Peer()                      # topology and id from `gossip launch` or the arguments
    optimizer = gossip.GossipOptimizer(torch.optim.SGD(model.parameters(), lr=0.05), peer, model)
    for images, labels in batches:            # the script's own loop, unchanged
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step(loss=loss)             # a local step, then a gossip round every gossip_every steps
    peer.finish()

The peer links to its neighbours over the runtime's authenticated, encrypted TCP, mixes
with the configured rule, compressor and aggregator, and writes the same run directory as
`gossip peer` (metrics with sketches, the final model), so `gossip report` reads it.
"""

from ._gossip import ConfigError
from .optimizer import GossipOptimizer
from .parameters import FlatParameters
from .peer import Peer

__all__ = ["ConfigError", "FlatParameters", "GossipOptimizer", "Peer"]
