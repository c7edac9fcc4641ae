// The frame `gossip watch` draws: a row per peer and the consensus error as a sparkline,
// at most `width` columns of plain text (ANSI colour only where `colour`), so it reads on
// an 80-column terminal over ssh.
#pragma once

#include <string>
#include <vector>

#include "tools/report/run_data.h"

namespace gossip::report {

struct ViewOptions {
  int width = 80;
  bool unicode = true;  // block characters for the sparkline; ASCII otherwise
  bool colour = false;
};

// One frame, as lines (without newlines).
std::vector<std::string> terminal_view(const RunData& run, const ViewOptions& options);

// `values` as a sparkline of at most `width` characters, on a log scale (the consensus
// error falls by orders of magnitude); the newest values when there are more.
std::string sparkline(const std::vector<double>& values, int width, bool unicode);

}  // namespace gossip::report
