// The attnsvm command line, run as a user runs it: outputs, formats and exit codes.
#include "helpers.hpp"

using namespace attnsvm;
using attnsvm::testing::run_shell;
using attnsvm::testing::temp_file;
using attnsvm::testing::temp_path;

namespace {

const std::string kCli = ATTNSVM_CLI;
const std::string kConfig = R"({"data": {"kind": "gaussian-unit", "n": 6, "T": 8, "d": 10, "seed": 1, "test_n": 4},
  "model": {"param": "KQ"}, "optimizer": {"kind": "ngd", "lr": 0.1}, "run": {"iterations": 300, "record_every": 50}})";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) out.push_back(part);
  return out;
}

}  // namespace

TEST_CASE("attnsvm run writes one CSV row per recorded step with the documented columns, matching the Session") {
  std::string config = temp_file(kConfig), params = temp_path(".json"), out;
  REQUIRE(run_shell(kCli + " run " + config + " --params-out " + params, &out) == 0);
  auto lines = split(out, '\n');
  REQUIRE(lines.size() == 1 + 7);  // header + steps 0, 50, …, 300
  auto header = split(lines[0], ',');
  for (const char* c :
       {"step", "loss", "train_acc", "test_acc", "norm_fro", "grad_norm", "min_s_opt", "log10_1m_s_opt"})
    CHECK(std::find(header.begin(), header.end(), c) != header.end());
  CHECK(split(lines.back(), ',')[0] == "300");

  Session session = Session::from_json(kConfig);
  session.step(300);
  auto last = split(lines.back(), ',');
  CHECK(std::stod(last[1]) == session.history().back().values[0]);  // %.17g round-trips exactly
  Json p = parse_json(read_text_file(params), params);
  CHECK(p["step"] == 300);
  CHECK(p.contains("K"));
  CHECK(p.contains("Q"));
  Eigen::MatrixXd W = session.model().head_matrix(session.params(), 0);
  CHECK(p["W"][2][3].get<double>() == W(2, 3));

  REQUIRE(run_shell(kCli + " run " + config + " --iterations 20 --record-every 10 --out " + params) == 0);
  Json metrics = parse_json(read_text_file(params), params);
  CHECK(metrics["columns"][0] == "step");
  CHECK(metrics["rows"].size() == 3);
}

TEST_CASE("attnsvm data materialises the config's dataset, and a file config trains on it") {
  std::string config = temp_file(kConfig), data = temp_path(".json"), out;
  REQUIRE(run_shell(kCli + " data " + config + " --out " + data) == 0);
  Dataset d = dataset_from_json(parse_json(read_text_file(data), data), QueryMode::Cross);
  Session session = Session::from_json(kConfig);
  CHECK(d.train.X == session.dataset().train.X);
  CHECK(d.test->y == session.dataset().test->y);

  std::string from_file =
      temp_file(R"({"data": {"kind": "file", "path": ")" + data + R"("}, "run": {"iterations": 5}})");
  REQUIRE(run_shell(kCli + " run " + from_file, &out) == 0);
  CHECK(split(out, '\n').size() == 7);
}

TEST_CASE("bad input exits with code 2 and a message naming the problem; divergence exits with 4") {
  std::string err;
  CHECK(run_shell(kCli) == 2);
  CHECK(run_shell(kCli + " frobnicate", nullptr, &err) == 2);
  CHECK(err.find("unknown command") != std::string::npos);
  CHECK(run_shell(kCli + " run /nonexistent.json", nullptr, &err) == 2);
  CHECK(err.find("/nonexistent.json: cannot open") != std::string::npos);
  CHECK(run_shell(kCli + " run " + temp_file("{\"optimizer\": {\"lr\": 0}}"), nullptr, &err) == 2);
  CHECK(err.find("optimizer.lr") != std::string::npos);
  CHECK(run_shell(kCli + " run " + temp_file("{ not json"), nullptr, &err) == 2);
  CHECK(err.find("malformed JSON") != std::string::npos);
  CHECK(run_shell(kCli + " run " + temp_file("{}") + " --iterations many", nullptr, &err) == 2);
  CHECK(err.find("--iterations") != std::string::npos);
  CHECK(run_shell(kCli + " run " + temp_file("{}") + " --colour", nullptr, &err) == 2);
  CHECK(err.find("--colour") != std::string::npos);

  std::string diverging =
      temp_file(R"({"optimizer": {"kind": "md", "p": 1.01, "lr": 10000}, "run": {"iterations": 10}})");
  std::string out;
  CHECK(run_shell(kCli + " run " + diverging, &out, &err) == 4);
  CHECK(err.find("diverged at step 1") != std::string::npos);
  CHECK(split(out, '\n').size() == 2);  // the header and the finite initial row are still written
}
