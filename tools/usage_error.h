// How a command-line mistake reaches the user: CLI11's message, the nearest flag or
// subcommand when the mistake looks like a typo ("--round: did you mean --rounds?"), and
// where to find every flag. Every command exits 2 for these.
#pragma once

#include <CLI/CLI.hpp>  // command-line parsing
#include <string>

namespace gossip::tools {

// Two lines: the mistake, and the --help to run (of `program`).
std::string describe_usage_error(const CLI::App& root, const CLI::ParseError& error, const std::string& program);

// For a ParseError: 0 for --help (printed), else 2 with the message on stderr.
int exit_for_parse_error(const CLI::App& root, const CLI::ParseError& error, const char* program);

}  // namespace gossip::tools
