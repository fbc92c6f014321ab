// Hostile input never crashes: the CSV dataset format, size limits checked before allocation, the fuzz
// corpus and crashers replayed through the fuzzed entry points, the table of bad inputs
// (tests/bad_inputs.json) through the CLI, divergence with roll-back, and SVM budgets.
#include <filesystem>

#include "../../fuzz/fuzz_targets.hpp"
#include "errors.hpp"
#include "helpers.hpp"

using namespace attnsvm;
using attnsvm::testing::run_shell;
using attnsvm::testing::temp_file;

namespace {

const std::string kCli = ATTNSVM_CLI;
const std::filesystem::path kSource = ATTNSVM_SOURCE_DIR;

/// The message of the InputError that `body` throws ("" if none).
template <typename F>
std::string input_error(F&& body) {
  try {
    body();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_file(const std::filesystem::path& path) { return read_text_file(path.string()); }

/// A URL-like flattened state ("optimizer.kind=md&optimizer.p=1") as a config: dotted paths become
/// nested objects; a value is JSON when it parses as JSON, else a string; comma lists become arrays.
Json unflatten(const std::string& flat) {
  Json config = Json::object();
  std::stringstream pairs(flat);
  for (std::string pair; std::getline(pairs, pair, '&');) {
    std::size_t eq = pair.find('=');
    std::string key = pair.substr(0, eq), text = pair.substr(eq + 1);
    auto value_of = [](const std::string& s) {
      Json j = Json::parse(s, nullptr, false);
      return j.is_discarded() ? Json(s) : j;
    };
    Json value;
    if (contains(text, ",")) {
      value = Json::array();
      std::stringstream items(text);
      for (std::string item; std::getline(items, item, ',');) value.push_back(value_of(item));
    } else {
      value = value_of(text);
    }
    Json* node = &config;
    std::stringstream path(key);
    std::vector<std::string> parts;
    for (std::string part; std::getline(path, part, '.');) parts.push_back(part);
    for (std::size_t k = 0; k + 1 < parts.size(); ++k) node = &(*node)[parts[k]];
    (*node)[parts.back()] = value;
  }
  return config;
}

Dataset small_dataset(const char* query, int test_n) {
  return make_dataset(
      parse_config(std::string(R"({"data": {"kind": "gaussian-unit", "n": 4, "T": 3, "d": 2, "test_n": )") +
                   std::to_string(test_n) + R"(, "query": ")" + query + "\"}}")
          .data);
}

}  // namespace

TEST_CASE("a dataset round-trips through the CSV format, bit for bit, in both query modes") {
  for (const char* query : {"cross", "self"})
    for (int test_n : {0, 2}) {
      CAPTURE(query);
      CAPTURE(test_n);
      Dataset a = small_dataset(query, test_n);
      Dataset b = read_dataset(to_csv(a), DatasetFormat::Auto, a.query);
      CHECK(b.train.X == a.train.X);
      CHECK(b.train.y == a.train.y);
      CHECK(b.train.Z == a.train.Z);
      REQUIRE(b.v);
      CHECK(*b.v == *a.v);
      CHECK(b.test.has_value() == (test_n > 0));
      if (test_n > 0) {
        CHECK(b.test->X == a.test->X);
        CHECK(b.test->Z == a.test->Z);
      }
    }
}

TEST_CASE("CSV columns may come in any order, with comments, blank lines, CRLF and a byte-order mark") {
  Dataset d = read_dataset(
      "\xEF\xBB\xBF# tokens of two sequences\r\nz1, y, x1, token, seq, x2, "
      "z2\r\n\r\n1,1,0.5,0,0,2,0\r\n1,1,-0.5,1,0,3,0\r\n"
      "0,-1,4,0,1,5,1\r\n0,-1,6,1,1,7,1\r\n,,1,,v,0,\r\n",
      DatasetFormat::Auto, QueryMode::Cross);
  REQUIRE(d.train.n == 2);
  CHECK(d.train.T == 2);
  CHECK(d.train.d == 2);
  CHECK(d.train.X(1, 1) == 3.0);
  CHECK(d.train.X(3, 0) == 6.0);
  CHECK(d.train.y(1) == -1.0);
  CHECK(d.train.Z(1, 1) == 1.0);
  REQUIRE(d.v);
  CHECK((*d.v)(0) == 1.0);
}

TEST_CASE("format detection: by extension for files, by content otherwise") {
  CHECK(format_of_path("a/b.CSV") == DatasetFormat::Csv);
  CHECK(format_of_path("data.json") == DatasetFormat::Json);
  CHECK(format_of_path("data.txt") == DatasetFormat::Auto);
  Dataset a = small_dataset("cross", 0);
  CHECK(read_dataset("  \n" + to_json(a).dump(), DatasetFormat::Auto, QueryMode::Cross).train.X == a.train.X);
  CHECK(contains(input_error([] { read_dataset(" \n ", DatasetFormat::Auto, QueryMode::Cross, "upload"); }),
                 "upload: is empty"));
  // A CSV file trains like a JSON one: data.kind "file" with a .csv path.
  std::string path = temp_file(to_csv(a), ".csv");
  Session s(parse_config(R"({"data": {"kind": "file", "path": ")" + path + R"("}, "run": {"iterations": 3}})"));
  CHECK(s.dataset().train.X == a.train.X);
  s.step(3);
  CHECK(std::isfinite(s.history().back().values[0]));
  std::remove(path.c_str());
}

TEST_CASE("dataset size limits are checked before the tokens are allocated") {
  // 10,001 one-cell rows of d = 1000 would be 10^7 + 1000 entries: rejected from the row count alone.
  std::string header = "seq,token,y";
  for (int k = 1; k <= 1000; ++k) header += ",x" + std::to_string(k);
  std::string rows;
  for (int r = 0; r < 10001; ++r) rows += "0\n";
  CHECK(contains(input_error([&] { read_dataset(header + "\n" + rows, DatasetFormat::Csv, QueryMode::Self); }),
                 "dataset: 10001 rows of d = 1000 exceed the limit of 10000000 token entries"));
  // JSON: one sequence of 5000 one-dimensional tokens exceeds T ≤ 4096.
  Json X = Json::array({Json::array()});
  for (int t = 0; t < 5000; ++t) X[0].push_back({1.0});
  CHECK(contains(input_error([&] {
                   dataset_from_json({{"X", X}, {"y", {1}}}, QueryMode::Self);
                 }),
                 "dataset.X: T (tokens per sequence) = 5000 exceeds the limit of 4096"));
}

TEST_CASE("every fuzz corpus file and crasher replays through its entry point without a crash") {
  const std::pair<const char*, void (*)(const std::uint8_t*, std::size_t)> targets[] = {
      {"config", fuzz::config_target},
      {"dataset_json", fuzz::dataset_json_target},
      {"dataset_csv", fuzz::dataset_csv_target},
      {"idx", fuzz::idx_target},
  };
  int replayed = 0;
  for (const auto& [name, target] : targets)
    for (const char* kind : {"corpus", "crashers"}) {
      std::filesystem::path dir = kSource / "fuzz" / kind / name;
      if (!std::filesystem::is_directory(dir)) continue;
      for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        CAPTURE(entry.path().string());
        std::string bytes = read_file(entry.path());
        CHECK_NOTHROW(target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
        ++replayed;
      }
    }
  MESSAGE("replayed ", replayed, " inputs");
  CHECK(replayed >= 40);
}

TEST_CASE("each entry of tests/bad_inputs.json exits the CLI with code 2 and its specific message") {
  Json table = parse_json(read_file(kSource / "tests" / "bad_inputs.json"), "tests/bad_inputs.json");
  REQUIRE(table.size() >= 40);
  for (const Json& entry : table) {
    const std::string name = entry.at("name");
    CAPTURE(name);
    std::string command, err;
    std::vector<std::string> files;
    if (entry.contains("dataset")) {
      const std::string format = entry.at("format");
      files.push_back(temp_file(entry.at("dataset").get<std::string>(), "." + format));
      Json config = {{"data", {{"kind", "file"}, {"path", files.back()}, {"query", entry.value("query", "cross")}}}};
      files.push_back(temp_file(config.dump()));
      command = kCli + " data " + files.back() + " --out /dev/null";
    } else {
      std::string text = entry.contains("flat")        ? unflatten(entry.at("flat")).dump()
                         : entry["config"].is_string() ? entry["config"].get<std::string>()
                                                       : entry["config"].dump();
      files.push_back(temp_file(text));
      command = kCli + " run " + files.back() + " --iterations 0 --out /dev/null";
    }
    CHECK(run_shell(command, nullptr, &err) == 2);
    CAPTURE(err);
    CHECK(contains(err, entry.at("error").get<std::string>()));
    for (const auto& f : files) std::remove(f.c_str());
  }
}

TEST_CASE("a huge step size stops with \"diverged at step k\", a suggestion, and the last finite state") {
  struct Case {
    const char* optimizer;
    const char* suggestion;
  };
  const Case cases[] = {
      {R"({"kind": "md", "p": 1.01, "lr": 1e4})", "try a smaller optimizer.lr (now 10000)"},
      {R"({"kind": "md", "p": 1.01, "lr": 1e3, "normalized": true})", "try a smaller optimizer.lr (now 1000)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.optimizer);
    Session s = Session::from_json(R"({"data": {"n": 6, "T": 8, "d": 10}, "loss": "exponential", "optimizer": )" +
                                   std::string(c.optimizer) + "}");
    Params before;
    long failed = 0;
    std::string message;
    for (long k = 0; k < 10000 && failed == 0; ++k) {
      before = s.params();
      try {
        s.step(1);
      } catch (const DivergedError& e) {
        failed = e.step;
        message = e.what();
      }
    }
    REQUIRE(failed > 0);
    CHECK(contains(message, "diverged at step " + std::to_string(failed) + ":"));
    CHECK(contains(message, c.suggestion));
    CHECK(s.iteration() == failed - 1);
    CHECK(s.params().all_finite());
    CHECK(attnsvm::testing::params_distance(s.params(), before) == 0.0);
    // The run can go on from there with a sane step size.
    s.set_lr(0.01);
    if (std::string(c.optimizer).find("\"md\"") == std::string::npos) {
      s.step(5);
      CHECK(s.iteration() == failed + 4);
    }
  }
}

TEST_CASE("an SVM solve that runs out of its iteration budget reports max-iterations, never hangs") {
  Dataset d = make_dataset(parse_config(R"({"data": {"n": 20, "T": 8, "d": 10, "seed": 4}})").data);
  Eigen::VectorXi alpha = optimal_tokens(d.train, *d.v);
  for (SvmNorm norm : {SvmNorm::Fro, SvmNorm::Lp, SvmNorm::Nuc, SvmNorm::L1Diag}) {
    CAPTURE(name(norm));
    SvmOptions budget;
    budget.max_iterations = 1;
    SvmSolution tight = att_svm(d.train, alpha, norm, 1.5, budget);
    if (tight.status == SvmStatus::Infeasible) continue;  // decided up front, before any iteration
    CHECK(tight.status == SvmStatus::MaxIterations);
    CHECK(std::string(name(tight.status)) == "max-iterations");
    CHECK_FALSE(tight.reason.empty());
    CHECK(tight.iterations <= 2);
  }
}
