#include "tools/tinkerbench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace tinkerbench {
namespace {

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// 1234567 -> "1,234,567"
std::string Grouped(double v) {
  std::string digits = Fmt("%.0f", v);
  std::string out;
  const size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i >= lead && (i - lead) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += Fmt("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A number, or null for the "unknown" marker -1.
std::string JsonNumber(double v, const char* format = "%.3f") {
  return v < 0 ? "null" : Fmt(format, v);
}

std::string FiguresJson(const Figures& f) {
  return "\"ops_per_sec\": " + Fmt("%.0f", f.ops_per_sec) +
         ", \"ops\": " + Fmt("%.0f", f.ops) +
         ", \"errors\": " + Fmt("%.0f", f.errors) +
         ", \"hit_ratio\": " + Fmt("%.4f", f.hit_ratio) +
         ", \"bytes_sent_per_op\": " + Fmt("%.2f", f.sent_per_op) +
         ", \"bytes_received_per_op\": " + Fmt("%.2f", f.received_per_op) +
         ", \"latency_us\": {\"p50\": " + Fmt("%.1f", f.p50_us) +
         ", \"p99\": " + Fmt("%.1f", f.p99_us) +
         ", \"p99.9\": " + Fmt("%.1f", f.p999_us) +
         ", \"max\": " + Fmt("%.1f", f.max_us) + "}" +
         ", \"client_cpu_us_per_op\": " + JsonNumber(f.client_us_per_op) +
         ", \"server_cpu_us_per_op\": " + JsonNumber(f.server_us_per_op);
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// The chart's axis top: 1, 2, 2.5 or 5 times a power of ten above v.
double NiceCeiling(double v) {
  if (v <= 0) return 1;
  const double scale = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * scale >= v) return m * scale;
  }
  return 10 * scale;
}

// A short label for a chart value: 1.46M, 12.3k, 0.68.
std::string Short(double v) {
  if (v == 0) return "0";
  if (v >= 1e6) return Fmt("%.2fM", v / 1e6);
  if (v >= 1e4) return Fmt("%.0fk", v / 1e3);
  if (v >= 1e3) return Fmt("%.1fk", v / 1e3);
  if (v >= 10) return Fmt("%.0f", v);
  return Fmt("%.2f", v);
}

}  // namespace

Figures FiguresOf(const Result& r) {
  Figures f;
  f.ops = double(r.ops);
  f.errors = double(r.errors);
  f.ops_per_sec = r.OpsPerSec();
  f.sent_per_op = r.PerOp(double(r.bytes_sent));
  f.received_per_op = r.PerOp(double(r.bytes_received));
  f.p50_us = double(r.latency.Quantile(0.50)) / 1e3;
  f.p99_us = double(r.latency.Quantile(0.99)) / 1e3;
  f.p999_us = double(r.latency.Quantile(0.999)) / 1e3;
  f.max_us = double(r.latency.max()) / 1e3;
  f.client_us_per_op = r.PerOp(r.client_cpu) * 1e6;
  f.server_us_per_op = r.server_cpu < 0 ? -1 : r.PerOp(r.server_cpu) * 1e6;
  const double looked_up = double(r.hits + r.misses);
  f.hit_ratio = looked_up > 0 ? double(r.hits) / looked_up : 0;
  return f;
}

std::string Summary(const Result& r) {
  const Options& o = r.options;
  const Figures f = FiguresOf(r);
  std::string s = std::string(ProtoName(o.proto)) + " " + o.host + ":" +
                  std::to_string(o.port) + "  " +
                  std::to_string(o.connections) + " connections x pipeline " +
                  std::to_string(o.pipeline) + ", " +
                  std::to_string(o.threads) + " thread(s), " +
                  Fmt("%.1f", r.seconds) + " s\n";
  if (o.warmup) {
    s += "  warm-up      " + Grouped(double(r.stored)) + " keys stored in " +
         Fmt("%.1f", r.warmup_seconds) + " s\n";
  }
  if (o.warmup_only) {
    if (r.server_rss_mb >= 0) {
      s += "  server RSS   " + Fmt("%.1f", r.server_rss_mb) + " MB\n";
    }
    s += "  errors       " + Grouped(f.errors) + "\n";
    if (!r.first_error.empty()) s += "  first error  " + r.first_error + "\n";
    return s;
  }
  s += "  ops/s        " + Grouped(f.ops_per_sec) + "  (" + Grouped(f.ops) +
       " ops: " + Grouped(double(r.gets)) + " gets, " +
       Grouped(double(r.sets)) + " sets; hit ratio " +
       Fmt("%.4f", f.hit_ratio) + ")\n";
  s += "  latency us   p50 " + Fmt("%.1f", f.p50_us) + "  p99 " +
       Fmt("%.1f", f.p99_us) + "  p99.9 " + Fmt("%.1f", f.p999_us) +
       "  max " + Fmt("%.1f", f.max_us) + "\n";
  s += "  bytes/op     sent " + Fmt("%.1f", f.sent_per_op) + "  received " +
       Fmt("%.1f", f.received_per_op) + "\n";
  s += "  CPU us/op    tinkerbench " + Fmt("%.3f", f.client_us_per_op);
  if (f.server_us_per_op >= 0) {
    s += "  server " + Fmt("%.3f", f.server_us_per_op);
  }
  s += "\n";
  if (r.server_rss_mb >= 0) {
    s += "  server RSS   " + Fmt("%.1f", r.server_rss_mb) + " MB\n";
  }
  s += "  errors       " + Grouped(f.errors);
  if (r.reconnects) s += " (" + Grouped(double(r.reconnects)) + " reconnects)";
  s += "\n";
  if (!r.first_error.empty()) s += "  first error  " + r.first_error + "\n";
  return s;
}

std::string Json(const Result& r) {
  const Options& o = r.options;
  return "{\"target\": " + JsonString(r.target) +
         ", \"proto\": \"" + ProtoName(o.proto) + "\"" +
         ", \"host\": " + JsonString(o.host) +
         ", \"port\": " + std::to_string(o.port) +
         ", \"connections\": " + std::to_string(o.connections) +
         ", \"pipeline\": " + std::to_string(o.pipeline) +
         ", \"threads\": " + std::to_string(o.threads) +
         ", \"keys\": " + std::to_string(o.keys) +
         ", \"key_size\": " + std::to_string(o.key_size) +
         ", \"value_size\": [" + std::to_string(o.value_min) + ", " +
         std::to_string(o.value_max) + "]" +
         ", \"ratio\": \"" + std::to_string(o.get_weight) + ":" +
         std::to_string(o.set_weight) + "\"" +
         ", \"multiget\": " + std::to_string(o.multiget) +
         ", \"seconds\": " + Fmt("%.3f", r.seconds) +
         ", \"gets\": " + std::to_string(r.gets) +
         ", \"sets\": " + std::to_string(r.sets) +
         ", \"hits\": " + std::to_string(r.hits) +
         ", \"misses\": " + std::to_string(r.misses) +
         ", \"reconnects\": " + std::to_string(r.reconnects) +
         ", \"bytes_sent\": " + std::to_string(r.bytes_sent) +
         ", \"bytes_received\": " + std::to_string(r.bytes_received) +
         ", \"client_cpu_seconds\": " + Fmt("%.3f", r.client_cpu) +
         ", \"server_cpu_seconds\": " + JsonNumber(r.server_cpu) +
         ", \"server_rss_mb\": " + JsonNumber(r.server_rss_mb, "%.1f") +
         ", \"warmup\": {\"stored\": " + std::to_string(r.stored) +
         ", \"seconds\": " + Fmt("%.3f", r.warmup_seconds) + "}" +
         ", " + FiguresJson(FiguresOf(r)) +
         ", \"first_error\": " + JsonString(r.first_error) + "}";
}

void TakeMedians(std::vector<Cell>& cells) {
  for (Cell& c : cells) {
    auto med = [&](double Figures::*field) {
      std::vector<double> v;
      for (const Figures& f : c.rounds) v.push_back(f.*field);
      return Median(std::move(v));
    };
    Figures& m = c.median;
    for (double Figures::*field :
         {&Figures::ops_per_sec, &Figures::sent_per_op,
          &Figures::received_per_op, &Figures::p50_us, &Figures::p99_us,
          &Figures::p999_us, &Figures::max_us, &Figures::client_us_per_op,
          &Figures::server_us_per_op, &Figures::hit_ratio, &Figures::ops}) {
      m.*field = med(field);
    }
    m.errors = 0;
    for (const Figures& f : c.rounds) m.errors += f.errors;
  }
}

std::string CompareJson(const std::vector<Cell>& cells) {
  std::string s = "[\n";
  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& c = cells[i];
    s += "  {\"target\": " + JsonString(c.target) + ", \"proto\": \"" +
         ProtoName(c.proto) + "\", \"pipeline\": " +
         std::to_string(c.pipeline) + ", \"rounds\": " +
         std::to_string(c.rounds.size()) + ", \"median\": {" +
         FiguresJson(c.median) + "}, \"ops_per_sec_rounds\": [";
    for (size_t r = 0; r < c.rounds.size(); ++r) {
      s += (r ? ", " : "") + Fmt("%.0f", c.rounds[r].ops_per_sec);
    }
    s += "], \"first_error\": " + JsonString(c.first_error) + "}";
    s += i + 1 < cells.size() ? ",\n" : "\n";
  }
  return s + "]\n";
}

namespace {

// The cell a row is compared with: for ASCII and binary the first target's
// cell of the same protocol and pipeline; for compact the same target's
// binary cell (compact's point is to beat binary).
const Cell* Baseline(const std::vector<Cell>& cells, const Cell& c) {
  for (const Cell& b : cells) {
    if (b.pipeline != c.pipeline) continue;
    if (c.proto == Proto::kCompact) {
      if (b.proto == Proto::kBinary && b.target == c.target) return &b;
    } else if (b.proto == c.proto) {
      return &b;
    }
  }
  return nullptr;
}

}  // namespace

std::string CompareMarkdown(const std::vector<Cell>& cells) {
  std::string s =
      "| protocol | pipeline | target | ops/s | ratio | p50 us | p99 us | "
      "p99.9 us | bytes sent/op | bytes received/op | server CPU us/op | "
      "tinkerbench CPU us/op | errors |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const Cell& c : cells) {
    const Figures& f = c.median;
    std::string ratio = "";
    if (const Cell* b = Baseline(cells, c); b && b != &c &&
                                            b->median.ops_per_sec > 0) {
      ratio = Fmt("%.2fx ", f.ops_per_sec / b->median.ops_per_sec) +
              (c.proto == Proto::kCompact ? "binary" : b->target);
    }
    s += "| " + std::string(ProtoName(c.proto)) + " | " +
         std::to_string(c.pipeline) + " | " + c.target + " | " +
         Grouped(f.ops_per_sec) + " | " + ratio + " | " +
         Fmt("%.1f", f.p50_us) + " | " + Fmt("%.1f", f.p99_us) + " | " +
         Fmt("%.1f", f.p999_us) + " | " + Fmt("%.1f", f.sent_per_op) +
         " | " + Fmt("%.1f", f.received_per_op) + " | " +
         (f.server_us_per_op < 0 ? "" : Fmt("%.2f", f.server_us_per_op)) +
         " | " + Fmt("%.2f", f.client_us_per_op) + " | " +
         Grouped(f.errors) + " |\n";
  }
  return s;
}

std::string CompareSvg(const std::vector<Cell>& cells,
                       const std::string& title) {
  std::vector<std::string> targets, groups;
  for (const Cell& c : cells) {
    if (std::find(targets.begin(), targets.end(), c.target) == targets.end()) {
      targets.push_back(c.target);
    }
    const std::string g =
        std::string(ProtoName(c.proto)) + " p" + std::to_string(c.pipeline);
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) {
      groups.push_back(g);
    }
  }
  struct Panel {
    const char* title;
    double (*value)(const Figures&);
  };
  std::vector<Panel> panels = {
      {"Throughput, ops/s (higher is better)",
       [](const Figures& f) { return f.ops_per_sec; }},
      {"Bytes on the wire per op, sent + received (lower is better)",
       [](const Figures& f) { return f.sent_per_op + f.received_per_op; }},
      {"p99 latency, us (lower is better)",
       [](const Figures& f) { return f.p99_us; }},
  };
  bool server_cpu = false;
  for (const Cell& c : cells) server_cpu |= c.median.server_us_per_op >= 0;
  if (server_cpu) {
    panels.push_back({"Server CPU per op, us (lower is better)",
                      [](const Figures& f) { return f.server_us_per_op; }});
  }
  static const char* kColors[] = {"#4c72b0", "#dd8452", "#55a868", "#c44e52",
                                  "#8172b3", "#937860"};
  const double width = 960, panel_h = 250, top = 70, left = 70, right = 20;
  const double height = top + panel_h * double(panels.size()) + 10;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  Fmt("%.0f", width) + "\" height=\"" + Fmt("%.0f", height) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n"
                  "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + Fmt("%.0f", width / 2) +
       "\" y=\"22\" text-anchor=\"middle\" font-size=\"16\">" + title +
       "</text>\n";
  for (size_t t = 0; t < targets.size(); ++t) {  // the legend
    const double x = left + 160 * double(t);
    s += "<rect x=\"" + Fmt("%.0f", x) + "\" y=\"36\" width=\"12\" "
         "height=\"12\" fill=\"" + kColors[t % 6] + "\"/>";
    s += "<text x=\"" + Fmt("%.0f", x + 18) + "\" y=\"46\">" + targets[t] +
         "</text>\n";
  }
  const double plot_w = width - left - right;
  const double group_w = plot_w / double(std::max<size_t>(groups.size(), 1));
  const double bar_w = group_w / double(targets.size() + 1);
  for (size_t p = 0; p < panels.size(); ++p) {
    const double y0 = top + panel_h * double(p);
    const double plot_top = y0 + 24, plot_h = panel_h - 64;
    const double base = plot_top + plot_h;
    double max = 0;
    for (const Cell& c : cells) max = std::max(max, panels[p].value(c.median));
    max = NiceCeiling(max * 1.08);
    s += "<text x=\"" + Fmt("%.0f", left) + "\" y=\"" +
         Fmt("%.0f", y0 + 14) + "\" font-weight=\"bold\">" + panels[p].title +
         "</text>\n";
    for (int i = 0; i <= 4; ++i) {  // grid lines with their values
      const double y = base - plot_h * i / 4;
      s += "<line x1=\"" + Fmt("%.0f", left) + "\" x2=\"" +
           Fmt("%.0f", width - right) + "\" y1=\"" + Fmt("%.1f", y) +
           "\" y2=\"" + Fmt("%.1f", y) + "\" stroke=\"#ddd\"/>";
      s += "<text x=\"" + Fmt("%.0f", left - 6) + "\" y=\"" +
           Fmt("%.1f", y + 4) + "\" text-anchor=\"end\" fill=\"#555\">" +
           Short(max * i / 4) + "</text>\n";
    }
    for (size_t g = 0; g < groups.size(); ++g) {
      const double gx = left + group_w * double(g);
      s += "<text x=\"" + Fmt("%.1f", gx + group_w / 2) + "\" y=\"" +
           Fmt("%.1f", base + 16) + "\" text-anchor=\"middle\">" + groups[g] +
           "</text>\n";
      for (const Cell& c : cells) {
        const std::string cg = std::string(ProtoName(c.proto)) + " p" +
                               std::to_string(c.pipeline);
        if (cg != groups[g]) continue;
        const size_t t = size_t(
            std::find(targets.begin(), targets.end(), c.target) -
            targets.begin());
        const double v = panels[p].value(c.median);
        if (v < 0) continue;
        const double h = plot_h * v / max;
        const double x = gx + bar_w / 2 + bar_w * double(t);
        s += "<rect x=\"" + Fmt("%.1f", x) + "\" y=\"" + Fmt("%.1f", base - h) +
             "\" width=\"" + Fmt("%.1f", bar_w * 0.9) + "\" height=\"" +
             Fmt("%.1f", h) + "\" fill=\"" + kColors[t % 6] + "\"/>";
        s += "<text x=\"" + Fmt("%.1f", x + bar_w * 0.45) + "\" y=\"" +
             Fmt("%.1f", base - h - 4) +
             "\" text-anchor=\"middle\" font-size=\"10\">" + Short(v) +
             "</text>\n";
      }
    }
  }
  return s + "</svg>\n";
}

}  // namespace tinkerbench
