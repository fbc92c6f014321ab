// attnsvm data / attnsvm run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>

#include "commands.hpp"
#include "ensemble.hpp"
#include "errors.hpp"
#include "jobs.hpp"
#include "session.hpp"

namespace attnsvm::cli {
namespace {

Config load_config(const std::string& path) { return parse_config(parse_json(read_text_file(path), path)); }

void reject_extra(const Args& args, const char* command) {
  for (const auto& a : args)
    throw InputError(a.rfind("--", 0) == 0 ? a + ": unknown option of attnsvm " + command
                                           : "unexpected argument \"" + a + "\"");
}

long parse_count(const std::string& text, const std::string& option, long lo) {
  try {
    std::size_t used = 0;
    long value = std::stol(text, &used);
    if (used == text.size() && value >= lo) return value;
  } catch (const std::exception&) {
  }
  throw InputError(option + ": must be an integer >= " + std::to_string(lo) + ", got \"" + text + "\"");
}

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::string metrics_csv(const Session& session) {
  std::string out = "step";
  for (const auto& c : session.metric_names()) out += "," + c;
  out += "\n";
  for (const auto& row : session.history()) {
    out += std::to_string(row.step);
    for (double v : row.values) out.append(",").append(format_number(v));
    out += "\n";
  }
  return out;
}

std::string metrics_json(const Session& session) {
  Json columns = Json::array({"step"});
  for (const auto& c : session.metric_names()) columns.push_back(c);
  Json rows = Json::array();
  for (const auto& row : session.history()) {
    Json r = Json::array({row.step});
    for (double v : row.values) r.push_back(std::isfinite(v) ? Json(v) : Json(nullptr));
    rows.push_back(std::move(r));
  }
  return Json{{"columns", columns}, {"rows", rows}}.dump() + "\n";
}

/// The ensemble as CSV: step, then <column>_mean, <column>_std, <column>_n for every metric column.
std::string ensemble_csv(const EnsembleSummary& e) {
  std::string out = "step";
  for (const auto& c : e.columns) out += "," + c + "_mean," + c + "_std," + c + "_n";
  out += "\n";
  for (std::size_t p = 0; p < e.steps.size(); ++p) {
    out += std::to_string(e.steps[p]);
    for (std::size_t c = 0; c < e.columns.size(); ++c)
      out.append(",")
          .append(format_number(e.mean[c][p]))
          .append(",")
          .append(format_number(e.std[c][p]))
          .append(",")
          .append(std::to_string(e.count[c][p]));
    out += "\n";
  }
  return out;
}

/// The ensemble as JSON: {"members", "steps", "columns", "mean"/"std"/"count": {column: [...]}, "failures"}.
std::string ensemble_json(const EnsembleSummary& e) {
  Json mean = Json::object(), sd = Json::object(), count = Json::object();
  auto finite = [](double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); };
  for (std::size_t c = 0; c < e.columns.size(); ++c) {
    Json m = Json::array(), s = Json::array();
    for (std::size_t p = 0; p < e.steps.size(); ++p) {
      m.push_back(finite(e.mean[c][p]));
      s.push_back(finite(e.std[c][p]));
    }
    mean[e.columns[c]] = std::move(m);
    sd[e.columns[c]] = std::move(s);
    count[e.columns[c]] = e.count[c];
  }
  return Json{{"members", e.members}, {"steps", e.steps},      {"columns", e.columns}, {"mean", mean}, {"std", sd},
              {"count", count},       {"failures", e.failures}}
             .dump() +
         "\n";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// "1, 3-7": member numbers with runs compacted.
std::string compact_list(const std::vector<int>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size();) {
    std::size_t j = i;
    while (j + 1 < items.size() && items[j + 1] == items[j] + 1) ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(items[i]);
    if (j > i) out += (j == i + 1 ? ", " : "-") + std::to_string(items[j]);
    i = j + 1;
  }
  return out;
}

/// One line for the failed members of an ensemble: how many, which at which steps, the first cause,
/// and where the output went. E.g. "6 of 8 members diverged (members 1, 3-7 at step 1): the loss or the
/// parameters became non-finite; try a smaller optimizer.lr (now 2000); the CSV (ensemble.csv) averages
/// each step over the members that reached it (columns <metric>_n); exit code 4". Members left out for an
/// infeasible SVM reference: "3 of 8 members failed: 3 have an infeasible SVM reference (members 0, 4, 6):
/// the nuc SVM reference is infeasible (...); ...".
std::string failure_summary(const EnsembleSummary& e, const std::string& out) {
  // The cause of failure k, from "member k (seed s): diverged at step t: <cause>" or "member k (seed s): <cause>".
  auto cause = [&](std::size_t k) {
    std::string text = e.failures[k];
    if (std::size_t at = text.find("): "); at != std::string::npos) text = text.substr(at + 3);
    if (text.rfind("diverged at step ", 0) == 0)
      if (std::size_t at = text.find(": "); at != std::string::npos) text = text.substr(at + 2);
    return text;
  };
  std::map<long, std::vector<int>> by_step;
  std::vector<int> infeasible;
  std::size_t first_diverged = e.failures.size(), first_infeasible = e.failures.size();
  for (std::size_t k = 0; k < e.failed_members.size(); ++k) {
    const bool inf = k < e.failed_infeasible.size() && e.failed_infeasible[k];
    if (inf) {
      infeasible.push_back(e.failed_members[k]);
      first_infeasible = std::min(first_infeasible, k);
    } else {
      by_step[e.failed_steps[k]].push_back(e.failed_members[k]);
      first_diverged = std::min(first_diverged, k);
    }
  }
  std::string where;
  for (const auto& [step, members] : by_step)
    where += (where.empty() ? "" : "; ") + std::string(members.size() == 1 ? "member " : "members ") +
             compact_list(members) + " at step " + std::to_string(step);
  const std::size_t diverged = e.failures.size() - infeasible.size();
  const std::string of = " of " + std::to_string(e.members) + " members ";
  std::string what;
  if (infeasible.empty()) {
    what = std::to_string(diverged) + of + "diverged (" + where + "): " + cause(first_diverged);
  } else {
    what = std::to_string(e.failures.size()) + of + "failed: ";
    if (diverged > 0) what += std::to_string(diverged) + " diverged (" + where + "): " + cause(first_diverged) + "; ";
    what += std::to_string(infeasible.size()) + (infeasible.size() == 1 ? " has" : " have") +
            " an infeasible SVM reference (" + (infeasible.size() == 1 ? "member " : "members ") +
            compact_list(infeasible) + "): " + cause(first_infeasible);
  }
  const bool json = ends_with(out, ".json");
  const std::string target = out.empty() || out == "-" ? "stdout" : out;
  return what + "; the " + (json ? "JSON" : "CSV") + " (" + target +
         ") averages each step over the members that reached it (" + (json ? "\"count\"" : "columns <metric>_n") +
         "); exit code 4";
}

}  // namespace

int data_command(const Args& args_in) {
  Args args = args_in;
  std::string out = take_option(args, "--out", "-");
  if (args.empty()) throw InputError("missing CONFIG.json (usage: attnsvm data CONFIG.json [--out data.json])");
  std::string path = args[0];
  args.erase(args.begin());
  reject_extra(args, "data");
  Config config = load_config(path);
  write_output(out, to_json(make_dataset(config.data)).dump() + "\n");
  return kExitOk;
}

int run_command(const Args& args_in) {
  Args args = args_in;
  std::string out = take_option(args, "--out", "-");
  std::string params_out = take_option(args, "--params-out");
  std::string iterations = take_option(args, "--iterations");
  std::string record_every = take_option(args, "--record-every");
  std::string seeds = take_option(args, "--seeds");
  std::string points = take_option(args, "--points");
  const int jobs = take_jobs(args);
  if (args.empty()) throw InputError("missing CONFIG.json (usage: attnsvm run CONFIG.json [options])");
  std::string path = args[0];
  args.erase(args.begin());
  reject_extra(args, "run");

  Config config = load_config(path);
  if (!iterations.empty()) config.run.iterations = parse_count(iterations, "--iterations", 0);
  if (!record_every.empty()) config.run.record_every = parse_count(record_every, "--record-every", 1);
  if (!seeds.empty()) {
    if (!params_out.empty()) throw InputError("--params-out: not available with --seeds (one run per seed)");
    int members = static_cast<int>(std::min(parse_count(seeds, "--seeds", 1), 10001L));
    int grid = points.empty() ? 60 : static_cast<int>(std::min(parse_count(points, "--points", 2), 1001L));
    // members on their own threads, added in member order: the same sums, bit for bit, as --jobs 1
    Ensemble ensemble(config, members, std::max(config.run.iterations, 1L), grid, MemberRuns::Elsewhere);
    const Config& member_base = ensemble.member_base();
    const std::vector<long>& steps = ensemble.summary().steps;
    run_ordered(
        members, jobs > 0 ? jobs : default_jobs(), [&](int k) { return Ensemble::run_member(member_base, steps, k); },
        [&](int, MemberRecord&& member) { ensemble.add(member); });
    const EnsembleSummary& e = ensemble.summary();
    write_output(out, ends_with(out, ".json") ? ensemble_json(e) : ensemble_csv(e));
    if (e.failures.empty()) return kExitOk;
    std::cerr << "attnsvm run: " << failure_summary(e, out) << "\n";  // one line, however many failed
    return kExitDiverged;
  }
  if (!points.empty()) throw InputError("--points: only with --seeds");
  if (jobs > 0) throw InputError("--jobs: only with --seeds (one run is one thread)");
  Session session(config);
  int code = kExitOk;
  try {
    session.step(config.run.iterations);
  } catch (const DivergedError& e) {
    std::cerr << "attnsvm run: " << e.what() << "\n";
    code = kExitDiverged;
  }
  session.checkpoint();
  write_output(out, ends_with(out, ".json") ? metrics_json(session) : metrics_csv(session));
  if (!params_out.empty()) write_output(params_out, session.params_json().dump() + "\n");
  return code;
}

}  // namespace attnsvm::cli
