// `gossip report`: one self-contained HTML page (and optionally CSV/JSON) from one or more
// run directories, read the way a person gathered them: no peer had the whole picture.
#include <cstdio>
#include <fstream>
#include <string>

#include "common/config_error.h"
#include "tools/command.h"
#include "tools/report/report_page.h"
#include "tools/report/report_table.h"
#include "tools/report/run_data.h"

namespace gossip::tools {
namespace {

struct ReportOptions {
  std::vector<std::string> run_dirs;
  std::string out, csv, json;
  bool average_model = true;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw ConfigError("cannot write " + path);
}

int run_report(const ReportOptions& options) {
  std::vector<report::RunData> runs;
  for (const auto& dir : options.run_dirs) {
    if (!std::filesystem::is_directory(dir)) throw ConfigError(dir + ": not a run directory (no such folder)");
    runs.push_back(report::load_run(dir, options.average_model));
  }
  const std::vector<std::string> labels = report::run_labels(runs);
  size_t warnings = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    for (const auto& warning : runs[r].warnings) {
      std::fprintf(stderr, "gossip report: warning: %s\n", warning.c_str());
      ++warnings;
    }
  }
  const std::string out = options.out.empty() ? (std::filesystem::path(options.run_dirs.front()) / "report.html").string()
                                              : options.out;
  write_file(out, report::report_html(runs, labels));
  std::printf("wrote %s (%zu run(s)%s)\n", out.c_str(), runs.size(),
              warnings ? (", " + std::to_string(warnings) + " warning(s) shown on the page").c_str() : "");
  if (!options.csv.empty()) {
    write_file(options.csv, report::table_csv(report::table_rows(runs, labels)));
    std::printf("wrote %s\n", options.csv.c_str());
  }
  if (!options.json.empty()) {
    write_file(options.json, report::table_json(runs, labels).dump(1) + "\n");
    std::printf("wrote %s\n", options.json.c_str());
  }
  return 0;
}

}  // namespace

void add_report_command(CLI::App& parent, std::vector<Command>& commands) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* app = parent.add_subcommand("report", "Make one self-contained HTML page of one or more runs' metrics");
  app->add_option("run_dirs", options->run_dirs, "run directories (several: overlaid, the legend made of what differs)")
      ->required();
  app->add_option("--out,-o", options->out, "the HTML file (default: RUN_DIR/report.html of the first run)");
  app->add_option("--csv", options->csv, "also write the merged per-round table (a row per run, peer and round)");
  app->add_option("--json", options->json, "also write the same table, with the settings and warnings, as JSON");
  app->add_flag("!--no-average-model", options->average_model,
                "do not evaluate the average of the peers' snapshots (faster on big tasks)");
  app->footer(
      "Examples:\n"
      "  gossip report runs/ring8                          writes runs/ring8/report.html\n"
      "  gossip report runs/ring runs/exp -o compare.html  ring against exponential, one page\n"
      "  gossip report runs/ring8 --csv ring8.csv          the per-round table for your own tools");
  commands.push_back({app, [options] { return run_report(*options); }});
}

}  // namespace gossip::tools
