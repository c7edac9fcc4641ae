// The report page: one self-contained HTML file (Chart.js, the page's script and style and
// the data all inline, nothing fetched), so it opens offline and can be mailed.
#pragma once

#include <nlohmann/json.hpp>  // the page's data is JSON
#include <string>
#include <vector>

#include "tools/report/run_data.h"

namespace gossip::report {

// What the page's script draws, per run: curves by round (honest peers' mean and band),
// the consensus estimate with its band, bytes, the time split and the distance heat map.
nlohmann::json page_data(const std::vector<RunData>& runs, const std::vector<std::string>& labels);

// Throws ConfigError when this build has no Chart.js to inline (libjs-chart.js missing).
std::string report_html(const std::vector<RunData>& runs, const std::vector<std::string>& labels);

}  // namespace gossip::report
