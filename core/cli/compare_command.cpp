// attnsvm compare: variants of a setting side by side over seeds (docs/design.md §9.2; the real-data
// experiment of docs/fashion-mnist.md is one).
//
// compare EXPERIMENT.json [--seeds N] [--iterations N] [--curves curves.csv] [--out table.md] [--jobs N]
//   trains every variant of an experiment on the same data and initialisation, for N seeds, and prints
//   a Markdown table of mean ± std: final train and test accuracy, the sparsity of W and, for
//   fashion-mnist data, the attention mass on object patches of the test images. EXPERIMENT.json:
//   {"base": CONFIG, "variants": [{"name": "...", <config sections merged into base>}, ...],
//    "seeds": 5, "sparsity_threshold": 0.1, "object_threshold": 0.2}
//   Seed k (0-based) uses data.seed + k and model.init.seed + k. The runs go to --jobs threads (default: one
//   per core) and are added in (variant, seed) order: the output is the same for every --jobs. A variant is a JSON
//   merge patch: its null removes the base's field (e.g. {"optimizer": {"kind": "gd", "p": null}} over an md base);
//   anywhere else null is an error naming the field.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <tuple>

#include "../errors.hpp"
#include "../fashion.hpp"
#include "../metrics.hpp"
#include "../session.hpp"
#include "commands.hpp"
#include "jobs.hpp"

namespace attnsvm::cli {
namespace {

/// Mean and sample standard deviation of the finite values.
struct Stat {
  std::vector<double> values;
  std::string text(int digits = 3) const {
    double sum = 0, sq = 0;
    int n = 0;
    for (double v : values)
      if (std::isfinite(v)) sum += v, ++n;
    if (n == 0) return "–";
    double mean = sum / n;
    for (double v : values)
      if (std::isfinite(v)) sq += (v - mean) * (v - mean);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f ± %.*f", digits, mean, digits, n > 1 ? std::sqrt(sq / (n - 1)) : 0.0);
    return buf;
  }
};

/// Mean over test images of the attention mass on patches whose mean intensity exceeds `threshold`,
/// and the share of such patches (the mass uniform attention would put there).
std::pair<double, double> object_mass(const Session& s, double threshold) {
  const Config& c = s.config();
  if (c.data.kind != DataKind::FashionMnist || !s.dataset().test) return {NAN, NAN};
  Eigen::MatrixXd intensity = patch_intensity(fashion_images(c.data).test, c.data.grid);
  const Sequences& test = *s.dataset().test;
  double mass = 0, share = 0;
  for (int h = 0; h < s.model().heads(); ++h) {
    Eigen::MatrixXd A = s.model().scores(s.params(), test, h);
    for (int i = 0; i < test.n; ++i) {
      Eigen::ArrayXd a = A.row(i).transpose().array();
      Eigen::ArrayXd p = (a - a.maxCoeff()).exp();
      p /= p.sum();
      for (int t = 0; t < test.T; ++t)
        if (intensity(i, t) > threshold) mass += p(t), share += 1.0 / test.T;
    }
  }
  const double count = static_cast<double>(test.n) * s.model().heads();
  return {mass / count, share / count};
}

double number_field(const Json& j, const char* key, double fallback, double lo, double hi, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_number() || it->get<double>() < lo || it->get<double>() > hi)
    throw InputError(where + "." + key + ": must be a number between " + std::to_string(lo) + " and " +
                     std::to_string(hi) + ", got " + it->dump());
  return it->get<double>();
}

}  // namespace

int compare_command(const Args& input) {
  Args args = input;
  const std::string seeds_text = take_option(args, "--seeds");
  const std::string iterations_text = take_option(args, "--iterations");
  const std::string curves_path = take_option(args, "--curves");
  const std::string out_path = take_option(args, "--out", "-");
  const int jobs = take_jobs(args);
  for (const auto& a : args)
    if (a.rfind("--", 0) == 0) throw InputError(a + ": unknown option of attnsvm compare");
  if (args.size() != 1)
    throw InputError(
        "usage: attnsvm compare EXPERIMENT.json [--seeds N] [--iterations N] [--curves F] [--out F] [--jobs N]");
  const std::string path = args[0];
  const Json experiment = parse_json(read_text_file(path), path);
  if (!experiment.is_object()) throw InputError(path + ": must be a JSON object with base and variants");
  for (auto it = experiment.begin(); it != experiment.end(); ++it)
    if (it.key() != "base" && it.key() != "variants" && it.key() != "seeds" && it.key() != "sparsity_threshold" &&
        it.key() != "object_threshold" && it.key() != "description")
      throw InputError(path + "." + it.key() + ": unknown field");
  const Json base = experiment.value("base", Json::object());
  if (!base.is_object()) throw InputError(path + ".base: must be a JSON object (a config), got " + base.dump());
  if (!experiment.contains("variants") || !experiment["variants"].is_array() || experiment["variants"].empty())
    throw InputError(path + ".variants: must be a non-empty array of {\"name\", config sections}");
  int seeds = static_cast<int>(number_field(experiment, "seeds", 5, 1, 1000, path));
  if (!seeds_text.empty()) seeds = static_cast<int>(parse_integer(seeds_text, "--seeds", 1, 1000));
  const double sparsity_threshold = number_field(experiment, "sparsity_threshold", 0.1, 0, 1, path);
  const double object_threshold = number_field(experiment, "object_threshold", 0.2, 0, 1, path);

  struct Variant {
    std::string name;
    Config config;
    Stat loss, train, test, sparsity, object, share;
    std::vector<long> steps;
    std::vector<double> curve_train, curve_test;  // sums over seeds
    int runs = 0, diverged = 0;
  };
  std::vector<Variant> variants;
  const Json& list = experiment["variants"];
  for (std::size_t k = 0; k < list.size(); ++k) {
    const std::string where = path + ".variants[" + std::to_string(k) + "]";
    if (!list[k].is_object() || !list[k].contains("name") || !list[k]["name"].is_string())
      throw InputError(where + ": must be an object with a \"name\" and config sections");
    Json patch = list[k];
    Variant v;
    v.name = patch["name"].get<std::string>();
    patch.erase("name");
    Json merged = base;
    merged.merge_patch(patch);
    try {
      v.config = parse_config(merged);
    } catch (const InputError& e) {
      throw InputError(where + " (" + v.name + "): " + e.what());
    }
    if (!iterations_text.empty())
      v.config.run.iterations = parse_integer(iterations_text, "--iterations", 0, 1'000'000'000);
    variants.push_back(std::move(v));
  }

  /// What one run (variant, seed) contributes, computed on any thread (a Session shares nothing).
  struct Run {
    std::string diverged;  ///< the DivergedError's message, or empty
    double loss = NAN, train = NAN, test = NAN, sparsity = NAN, mass = NAN, share = NAN;
    std::vector<long> steps;
    std::vector<double> curve_train, curve_test;
  };
  std::vector<Config> configs;  // read by the threads while the variants' sums grow
  for (const Variant& v : variants) configs.push_back(v.config);
  auto train = [&](int j) {
    const int k = j % seeds;
    Config c = configs[static_cast<std::size_t>(j / seeds)];
    c.data.seed += static_cast<std::uint64_t>(k);
    c.model.init.seed += static_cast<std::uint64_t>(k);
    Run run;
    Session s(c);
    try {
      s.step(c.run.iterations);
    } catch (const DivergedError& e) {
      run.diverged = e.what();
      return run;
    }
    s.checkpoint();
    const auto& names = s.metric_names();
    auto column = [&](const char* name) {
      for (std::size_t n = 0; n < names.size(); ++n)
        if (names[n] == name) return static_cast<int>(n);
      return -1;
    };
    const int train_col = column("train_acc"), test_col = column("test_acc");
    const auto& rows = s.history();
    run.loss = rows.back().values[column("loss")];
    run.train = rows.back().values[train_col];
    run.test = test_col >= 0 ? rows.back().values[test_col] : NAN;
    double sparse = 0;
    for (int h = 0; h < s.model().heads(); ++h)
      sparse += large_entry_share(s.model().head_matrix(s.params(), h), sparsity_threshold) / s.model().heads();
    run.sparsity = sparse;
    std::tie(run.mass, run.share) = object_mass(s, object_threshold);
    for (const auto& row : rows) {
      run.steps.push_back(row.step);
      run.curve_train.push_back(row.values[train_col]);
      run.curve_test.push_back(test_col >= 0 ? row.values[test_col] : NAN);
    }
    return run;
  };
  // Runs in (variant, seed) order on `jobs` threads, added in that order: the same table, curves and
  // messages, byte for byte, whatever the number of threads.
  int code = kExitOk;
  run_ordered(static_cast<int>(variants.size()) * seeds, jobs > 0 ? jobs : default_jobs(), train,
              [&](int j, Run&& run) {
                Variant& v = variants[static_cast<std::size_t>(j / seeds)];
                if (!run.diverged.empty()) {
                  std::cerr << "attnsvm compare: " << v.name << ", seed " << j % seeds << ": " << run.diverged << "\n";
                  ++v.diverged;
                  code = kExitDiverged;
                  return;
                }
                v.loss.values.push_back(run.loss);
                v.train.values.push_back(run.train);
                v.test.values.push_back(run.test);
                v.sparsity.values.push_back(run.sparsity);
                v.object.values.push_back(run.mass);
                v.share.values.push_back(run.share);
                if (v.runs == 0)
                  for (long step : run.steps) {
                    v.steps.push_back(step);
                    v.curve_train.push_back(0);
                    v.curve_test.push_back(0);
                  }
                for (std::size_t r = 0; r < run.steps.size() && r < v.steps.size(); ++r) {
                  v.curve_train[r] += run.curve_train[r];
                  v.curve_test[r] += run.curve_test[r];
                }
                ++v.runs;
              });

  std::ostringstream table;
  table << "| variant | train loss | train acc | test acc | W entries > " << sparsity_threshold
        << "·max | attention on object | runs |\n|---|---|---|---|---|---|---|\n";
  for (const Variant& v : variants)
    table << "| " << v.name << " | " << v.loss.text() << " | " << v.train.text() << " | " << v.test.text() << " | "
          << v.sparsity.text() << " | " << v.object.text() << " | " << v.runs
          << (v.diverged ? " (" + std::to_string(v.diverged) + " diverged)" : "") << " |\n";
  if (!variants.empty() && !variants[0].share.values.empty() && std::isfinite(variants[0].share.values[0]))
    table << "\nObject patches (mean intensity > " << object_threshold << ") are " << variants[0].share.text()
          << " of the test patches: the attention mass uniform attention puts on them.\n";
  write_output(out_path, table.str());

  if (!curves_path.empty()) {
    std::ostringstream csv;
    csv << "variant,step,train_acc_mean,test_acc_mean\n";
    for (const Variant& v : variants)
      for (std::size_t r = 0; r < v.steps.size() && v.runs > 0; ++r)
        csv << v.name << "," << v.steps[r] << "," << v.curve_train[r] / v.runs << "," << v.curve_test[r] / v.runs
            << "\n";
    write_output(curves_path, csv.str());
  }
  return code;
}

}  // namespace attnsvm::cli
