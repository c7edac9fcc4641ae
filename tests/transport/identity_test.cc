#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "support/temp_dir.h"
#include "transport/identity.h"

using namespace gossip;

TEST_CASE("key files: written 0600, read back to the same key, refused when others can read them") {
  testing::TempDir dir;
  Identity identity = generate_identity();
  std::string path = dir.file("peer-0.key");
  save_identity(identity, path);
  struct stat status {};
  REQUIRE(stat(path.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  Identity loaded = load_identity(path);
  CHECK(loaded.public_key == identity.public_key);
  CHECK(loaded.secret_key == identity.secret_key);
  chmod(path.c_str(), 0644);
  CHECK_THROWS_WITH_AS(load_identity(path), doctest::Contains("readable by group or others (mode 644); run chmod 600"),
                       std::runtime_error);
  std::string bad = dir.write("bad.key", "not hex\n");
  chmod(bad.c_str(), 0600);
  CHECK_THROWS_WITH_AS(load_identity(bad), doctest::Contains("expected 64 hex digits"), std::runtime_error);
  CHECK_THROWS_WITH_AS(load_identity(dir.file("none.key")), doctest::Contains("make one with `gossip keygen`"),
                       std::runtime_error);
}

TEST_CASE("public keys as hex: round trip, and anything else refused") {
  Identity identity = generate_identity();
  CHECK(public_key_from_hex(to_hex(identity.public_key)) == identity.public_key);
  CHECK_FALSE(public_key_from_hex(std::string(63, 'a')));
  CHECK_FALSE(public_key_from_hex(std::string(64, 'g')));
}

TEST_CASE("the default key path: $GOSSIP_KEY_DIR, else keys/ beside the topology file") {
  unsetenv("GOSSIP_KEY_DIR");
  CHECK(default_key_path("/runs/a/topology.json", 3) == "/runs/a/keys/peer-3.key");
  setenv("GOSSIP_KEY_DIR", "/secure", 1);
  CHECK(default_key_path("/runs/a/topology.json", 3) == "/secure/peer-3.key");
  unsetenv("GOSSIP_KEY_DIR");
}
