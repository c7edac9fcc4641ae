// Files built into the binary so the report needs nothing at run time: Chart.js (Debian's
// libjs-chart.js, found at configure time; empty when it was not installed) and the page.
#pragma once

#include <string_view>

namespace gossip::report {

extern const std::string_view kChartJs;       // chart.min.js
extern const std::string_view kPageTemplate;  // page.html, with /*@CHART_JS@*/ and /*@REPORT_DATA@*/
extern const std::string_view kChartJsVersion;

}  // namespace gossip::report
