// The merged per-round table of one or more runs: a row per run, peer and round, for
// people's own tools (`gossip report --csv`, `--json`).
#pragma once

#include <nlohmann/json.hpp>  // rows are JSON objects
#include <string>
#include <vector>

#include "tools/report/run_data.h"

namespace gossip::report {

// The columns, in order; a row holds null where a peer did not log that field that round.
const std::vector<std::string>& table_columns();

// The rows, by run, peer and round. `labels` as from run_labels().
nlohmann::json table_rows(const std::vector<RunData>& runs, const std::vector<std::string>& labels);

// RFC 4180 CSV: a header line, then one line per row.
std::string table_csv(const nlohmann::json& rows);

// {"runs": [{name, label, dir, settings, summary}], "rows": [...], "warnings": [...]}.
nlohmann::json table_json(const std::vector<RunData>& runs, const std::vector<std::string>& labels);

}  // namespace gossip::report
