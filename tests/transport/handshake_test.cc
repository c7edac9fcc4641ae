#include <doctest/doctest.h>

#include "transport/handshake.h"

using namespace gossip;

namespace {

struct Run {
  std::vector<Identity> identities;
  std::array<uint8_t, 32> run_id = compute_run_id(1, {"0 h:1 a", "1 h:2 b", "2 h:3 c"});

  Run() {
    for (int i = 0; i < 3; ++i) identities.push_back(generate_identity());
  }
  PeerDirectory directory(uint32_t self, LinkMode mode = LinkMode::kEncrypted) const {
    PeerDirectory directory;
    directory.self = self;
    directory.identity = identities[self];
    for (const auto& identity : identities) directory.public_keys.push_back(identity.public_key);
    directory.may_link = {1, 1, 1};
    directory.may_link[self] = 0;
    directory.run_id = run_id;
    directory.mode = mode;
    return directory;
  }
};

// Runs the three messages; returns the first error, or "" with both key sets.
std::string handshake(const PeerDirectory& initiator_dir, const PeerDirectory& responder_dir, uint32_t dialed,
                      SessionKeys* initiator_keys = nullptr, SessionKeys* responder_keys = nullptr) {
  InitiatorHandshake initiator(initiator_dir, dialed);
  ResponderHandshake responder(responder_dir);
  std::string error;
  auto reply = responder.on_hello(initiator.hello(), &error);
  if (!reply) return "responder: " + error;
  auto finish = initiator.on_reply(*reply, &error);
  if (!finish) return "initiator: " + error;
  if (!responder.on_finish(*finish, &error)) return "responder: " + error;
  if (initiator_keys) *initiator_keys = initiator.keys();
  if (responder_keys) *responder_keys = responder.keys();
  return "";
}

}  // namespace

TEST_CASE("a good handshake agrees on one key per direction, fresh each time") {
  Run run;
  SessionKeys a, b, again;
  REQUIRE(handshake(run.directory(2), run.directory(0), 0, &a, &b) == "");
  CHECK(a.peer == 0);
  CHECK(b.peer == 2);
  CHECK(a.send == b.receive);
  CHECK(a.receive == b.send);
  CHECK(a.send != a.receive);
  CHECK(a.suite == b.suite);
  REQUIRE(handshake(run.directory(2), run.directory(0), 0, &again, nullptr) == "");
  CHECK(again.send != a.send);  // ephemeral keys: forward secrecy
}

TEST_CASE("an unknown key is refused") {
  Run run;
  PeerDirectory impostor = run.directory(1);
  impostor.identity = generate_identity();  // a key that is not in the file, claiming id 1
  CHECK(handshake(impostor, run.directory(0), 0) ==
        "responder: claims to be peer 1 but its signature does not match that peer's key in the topology file");
}

TEST_CASE("a valid peer claiming another id is refused") {
  Run run;
  PeerDirectory liar = run.directory(1);
  liar.self = 2;  // peer 1's real key, claiming to be peer 2
  CHECK(handshake(liar, run.directory(0), 0) ==
        "responder: claims to be peer 2 but its signature does not match that peer's key in the topology file");
}

TEST_CASE("the responder must be who was dialed, with its own key") {
  Run run;
  PeerDirectory wrong = run.directory(0);
  wrong.identity = run.identities[1];
  CHECK(handshake(run.directory(2), wrong, 0) ==
        "initiator: peer 0's signature does not match its key in the topology file");
  CHECK(handshake(run.directory(2), run.directory(1), 0) == "responder: hello is for peer 0, this is peer 1");
}

TEST_CASE("non-neighbours, other runs, unknown ids and mixed modes are refused") {
  Run run;
  PeerDirectory closed = run.directory(0);
  closed.may_link[2] = 0;
  CHECK(handshake(run.directory(2), closed, 0) == "responder: peer 2 is not a neighbour of this peer");
  PeerDirectory other_run = run.directory(2);
  other_run.run_id[0] ^= 1;
  CHECK(handshake(other_run, run.directory(0), 0) ==
        "responder: peer 2 runs a different topology file (run id differs)");
  PeerDirectory stranger = run.directory(2);
  stranger.self = 17;
  CHECK(handshake(stranger, run.directory(0), 0) == "responder: claims id 17, which is not in the topology file");
  CHECK(handshake(run.directory(2, LinkMode::kPlaintext), run.directory(0), 0) ==
        "responder: peer 2 is plaintext, this peer is encrypted: every peer must use the same mode");
  SessionKeys keys;
  CHECK(handshake(run.directory(2, LinkMode::kPlaintext), run.directory(0, LinkMode::kPlaintext), 0, &keys) == "");
  CHECK(keys.mode == LinkMode::kPlaintext);
}

TEST_CASE("garbage instead of a hello is refused") {
  Run run;
  PeerDirectory directory = run.directory(0);
  ResponderHandshake responder(directory);
  std::string error;
  std::vector<uint8_t> garbage(kHelloBytes, 'x');
  CHECK_FALSE(responder.on_hello(garbage, &error));
  CHECK(error == "not a gossip peer (bad handshake magic)");
  CHECK_FALSE(responder.on_finish(std::vector<uint8_t>(kFinishBytes), &error));
}
