#include "tools/usage_error.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace gossip::tools {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The subcommand the user was in: the deepest one that parsed.
const CLI::App& innermost(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return innermost(*sub);
  return app;
}

std::vector<std::string> known_words(const CLI::App& app) {
  std::vector<std::string> words;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& name : option->get_lnames()) words.push_back("--" + name);
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) words.push_back(sub->get_name());
  return words;
}

// The word the typo most likely meant: within a third of its length in edits, or the only
// word it is a prefix of.
std::string nearest(const std::string& typed, const std::vector<std::string>& words) {
  const std::string bare = typed.substr(0, typed.find('='));
  std::string best;
  size_t best_distance = std::max<size_t>(2, bare.size() / 3) + 1;
  for (const auto& word : words) {
    const size_t distance = edit_distance(bare, word);
    if (distance < best_distance) best = word, best_distance = distance;
  }
  if (!best.empty()) return best;
  std::vector<std::string> prefixed;
  for (const auto& word : words) {
    if (bare.size() >= 3 && word.starts_with(bare)) prefixed.push_back(word);
  }
  return prefixed.size() == 1 ? prefixed.front() : "";
}

}  // namespace

std::string describe_usage_error(const CLI::App& root, const CLI::ParseError& error, const std::string& program) {
  const CLI::App& app = innermost(root);
  std::string message = error.what();
  // The words CLI11 could not place: the extras it names, or what it left unparsed (a
  // misspelt subcommand leaves "A subcommand is required" and the word itself).
  std::vector<std::string> unplaced = app.remaining();
  if (dynamic_cast<const CLI::ExtrasError*>(&error)) {
    std::istringstream words(message.substr(message.find(':') + 1));
    for (std::string word; words >> word;) unplaced.push_back(word);
  }
  for (const auto& word : unplaced) {
    const std::string guess = nearest(word, known_words(app));
    if (!guess.empty() && guess != word) {
      message = word + ": unknown " + (word.starts_with("-") ? "flag" : "command") + "; did you mean " + guess + "?";
      break;
    }
  }
  std::string command = app.get_name();
  for (const CLI::App* parent = app.get_parent(); parent && parent->get_parent(); parent = parent->get_parent()) {
    command = parent->get_name() + " " + command;
  }
  return message + "\nrun `" + program + " " + (app.get_parent() ? command + " " : std::string()) + "--help` for every flag";
}

int exit_for_parse_error(const CLI::App& root, const CLI::ParseError& error, const char* program) {
  if (error.get_exit_code() == 0) return const_cast<CLI::App&>(root).exit(error);  // --help, printed by CLI11
  std::fprintf(stderr, "%s: error: %s\n", program, describe_usage_error(root, error, program).c_str());
  return 2;
}

}  // namespace gossip::tools
