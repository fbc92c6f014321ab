// The attnsvm command line, run as a user runs it: outputs, formats and exit codes.
#include <filesystem>

#include "dataset.hpp"
#include "fashion.hpp"
#include "helpers.hpp"
#include "json_eigen.hpp"

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

// --- loose ends: the prompt SVM, null and unused fields, the data audit, Fashion-MNIST lookup, ensembles --

namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

/// Runs `attnsvm ARGS` (ARGS after the tool's path, shell-quoted by the caller).
Result cli(const std::string& args) {
  Result r;
  r.code = run_shell(kCli + " " + args, &r.out, &r.err);
  return r;
}

/// `attnsvm data` of a config given as JSON: the dataset JSON text on success.
Result data_of(const Json& config) {
  std::string path = temp_file(config.dump());
  Result r = cli("data " + path);
  std::remove(path.c_str());
  return r;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A small gaussian-unit dataset (n = 3, T = 3, d = 10: the prompt SVM is feasible), with queries and v.
Json standard_dataset() {
  Result r = data_of(Json::parse(R"({"data": {"n": 3, "T": 3, "d": 10, "seed": 1}})"));
  REQUIRE(r.code == 0);
  return Json::parse(r.out);
}

/// scripts/build-data.sh's subset (cached; made on first use): the directory beside the built tool.
std::string fashion_subset() {
  static const bool made = [] {
    std::string err;
    int code =
        run_shell("cd " + std::string(ATTNSVM_SOURCE_DIR) + " && ATTNSVM_CLI=" + kCli + " bash scripts/build-data.sh",
                  nullptr, &err);
    INFO(err);
    REQUIRE(code == 0);
    return true;
  }();
  (void)made;
  return std::string(ATTNSVM_SOURCE_DIR) + "/build/data/fashion-mnist";
}

/// A fresh empty directory.
std::string temp_dir(const std::string& suffix) {
  std::string dir = temp_path(suffix);
  std::filesystem::remove(dir);
  std::filesystem::create_directory(dir);
  return dir;
}

}  // namespace

TEST_CASE("attnsvm svm --model prompt needs no query (z, --query self), and --norm lp needs --p") {
  Json data = standard_dataset();
  Json no_query = data;
  no_query.erase("z");
  no_query.erase("query");
  std::string with_z = temp_file(data.dump()), without_z = temp_file(no_query.dump());
  // The prompt model scores tokens by X_i p: the same solution with or without queries in the file.
  Result a = cli("svm " + without_z + " --norm fro --model prompt");
  REQUIRE(a.code == 0);
  Result b = cli("svm " + with_z + " --norm fro --model prompt");
  REQUIRE(b.code == 0);
  CHECK(a.out == b.out);
  CHECK(Json::parse(a.out)["W"].size() == 10u);  // the prompt vector, d×1
  CHECK(Json::parse(a.out)["status"] == "optimal");
  // CSV without z columns too.
  Dataset d = dataset_from_json(no_query, QueryMode::Self);
  std::string csv = temp_file(to_csv(d), ".csv");
  Result c = cli("svm " + csv + " --norm fro --model prompt");
  REQUIRE(c.code == 0);
  CHECK(Json::parse(c.out)["W"] == Json::parse(a.out)["W"]);
  // --query means nothing to the prompt model: an error, not ignored.
  Result q = cli("svm " + without_z + " --norm fro --model prompt --query self");
  CHECK(q.code == 2);
  CHECK(has(q.err, "--query: the prompt model has no query"));
  // The W model still needs its queries.
  Result w = cli("svm " + without_z + " --norm fro");
  CHECK(w.code == 2);
  CHECK(has(w.err, ".z: is required in cross query mode"));

  // ℓp without an exponent: an error naming --p, not a silent 1.75.
  Result lp = cli("svm " + with_z + " --norm lp");
  CHECK(lp.code == 2);
  CHECK(has(lp.err, "--p: required with --norm lp"));
  Result lp_prompt = cli("svm " + without_z + " --norm lp --model prompt");
  CHECK(lp_prompt.code == 2);
  CHECK(has(lp_prompt.err, "--p: required with --norm lp"));
  Result lp_ok = cli("svm " + with_z + " --norm lp --p 1.5");
  REQUIRE(lp_ok.code == 0);
  CHECK(Json::parse(lp_ok.out)["p"] == 1.5);
  for (const auto& f : {with_z, without_z, csv}) std::remove(f.c_str());
}

TEST_CASE("a null config field, and a field the setting does not use, is an error naming the field") {
  // Every config field set to null: exit 2 and the field named (with the setting that uses it).
  const char* nulls[][2] = {
      {R"({"data": null})", "data: must be a JSON object, got null"},
      {R"({"model": null})", "model: must be a JSON object, got null"},
      {R"({"optimizer": null})", "optimizer: must be a JSON object, got null"},
      {R"({"svm": null})", "svm: must be a JSON object, got null"},
      {R"({"run": null})", "run: must be a JSON object, got null"},
      {R"({"loss": null})", "loss: must be one of"},
      {R"({"data": {"kind": null}})", "data.kind: must be one of"},
      {R"({"data": {"n": null}})", "data.n: must be an integer, got null"},
      {R"({"data": {"T": null}})", "data.T: must be an integer, got null"},
      {R"({"data": {"d": null}})", "data.d: must be an integer, got null"},
      {R"({"data": {"seed": null}})", "data.seed: must be an integer, got null"},
      {R"({"data": {"query": null}})", "data.query: must be one of"},
      {R"({"data": {"test_n": null}})", "data.test_n: must be an integer, got null"},
      {R"({"data": {"kind": "clusters", "centres": null}})", "data.centres: must be an integer, got null"},
      {R"({"data": {"kind": "clusters", "noise": null}})", "data.noise: must be a number, got null"},
      {R"({"data": {"kind": "tokenized-mixture", "snr": null}})", "data.snr: must be a number, got null"},
      {R"({"data": {"kind": "toy", "name": null}})", "data.name: must be a string, got null"},
      {R"({"data": {"kind": "toy", "name": "loss-compare", "C": null}})", "data.C: must be a number, got null"},
      {R"({"data": {"kind": "file", "path": null}})", "data.path: must be a string, got null"},
      {R"({"data": {"kind": "fashion-mnist", "classes": null}})", "data.classes: must be two different classes"},
      {R"({"data": {"kind": "fashion-mnist", "grid": null}})", "data.grid: must be an integer, got null"},
      {R"({"data": {"kind": "fashion-mnist", "positional": null}})", "data.positional: must be a number, got null"},
      {R"({"data": {"kind": "inline", "X": null, "y": [1]}})", "data.X: must be an array, got null"},
      {R"({"data": {"kind": "inline", "X": [[[1]]], "y": [1], "z": null, "query": "self"}})",
       "data.z: must be an array, got null"},
      {R"({"data": {"kind": "inline", "X": [[[1]]], "y": [1], "z": [[1]], "v": null}})",
       "data.v: must be an array, got null"},
      {R"({"model": {"param": null}})", "model.param: must be one of"},
      {R"({"model": {"param": "multihead", "heads": null}})", "model.heads: must be an integer, got null"},
      {R"({"model": {"param": "KQ", "width": null}})", "model.width: must be an integer, got null"},
      {R"({"model": {"decoder": null}})", "model.decoder: must be one of"},
      {R"({"model": {"param": "multihead", "head_signs": null}})", "model.head_signs: must be one of"},
      {R"({"model": {"init": null}})", "model.init: must be a JSON object, got null"},
      {R"({"model": {"init": {"kind": null}}})", "model.init.kind: must be one of"},
      {R"({"model": {"init": {"std": null}}})", "model.init.std: must be a number, got null"},
      {R"({"model": {"init": {"seed": null}}})", "model.init.seed: must be an integer, got null"},
      {R"({"optimizer": {"kind": null}})", "optimizer.kind: must be one of"},
      {R"({"optimizer": {"lr": null}})", "optimizer.lr: must be a number, got null"},
      {R"({"optimizer": {"kind": "md", "p": null}})", "optimizer.p: must be a number, got null"},
      {R"({"optimizer": {"kind": "md", "normalized": null}})", "optimizer.normalized: must be true or false, got null"},
      {R"({"optimizer": {"kind": "polyak", "scale": null}})", "optimizer.scale: must be a number, got null"},
      {R"({"optimizer": {"kind": "flow", "tol": null}})", "optimizer.tol: must be a number, got null"},
      {R"({"svm": {"norms": null}})", "svm.norms: must be an array such as [\"fro\", \"nuc\"], got null"},
      {R"({"svm": {"p": null}})", "svm.p: must be a number, got null"},
      {R"({"svm": {"tokens": null}})", "svm.tokens: must be one of"},
      {R"({"run": {"iterations": null}})", "run.iterations: must be an integer, got null"},
      {R"({"run": {"record_every": null}})", "run.record_every: must be an integer, got null"},
      {R"({"run": {"max_history": null}})", "run.max_history: must be an integer, got null"},
  };
  for (const auto& [config, message] : nulls) {
    CAPTURE(config);
    std::string path = temp_file(config);
    Result r = cli("run " + path + " --iterations 0 --out /dev/null");
    CHECK(r.code == 2);
    CAPTURE(r.err);
    CHECK(has(r.err, message));
    std::remove(path.c_str());
  }

  // Optimiser fields: each method's own fields change the run; any other field is an error naming it.
  struct Method {
    Json base;
    std::vector<std::string> used;
  };
  // flow at a large arc-length step, where the tolerance decides the accepted steps.
  const Method methods[] = {
      {{{"kind", "gd"}}, {"lr"}},
      {{{"kind", "ngd"}}, {"lr"}},
      {{{"kind", "polyak"}}, {"scale", "max_step"}},
      {{{"kind", "md"}}, {"lr", "p", "normalized"}},
      {{{"kind", "flow"}, {"lr", 0.2}}, {"lr", "p", "tol"}},
  };
  const std::pair<std::string, Json> every[] = {{"lr", 0.05},   {"p", 1.5},         {"normalized", true},
                                                {"scale", 0.5}, {"max_step", 0.01}, {"tol", 1e-6}};
  auto run_with = [](const Json& optimizer) {
    Json config = {{"data", {{"n", 4}, {"T", 3}, {"d", 3}}}, {"optimizer", optimizer}, {"run", {{"iterations", 5}}}};
    std::string path = temp_file(config.dump());
    Result r = cli("run " + path);
    std::remove(path.c_str());
    return r;
  };
  for (const Method& m : methods) {
    const std::string kind = m.base["kind"];
    CAPTURE(kind);
    Result base = run_with(m.base);
    REQUIRE(base.code == 0);
    for (const auto& [field, value] : every) {
      CAPTURE(field);
      Json optimizer = m.base;
      optimizer[field] = value;
      Result r = run_with(optimizer);
      if (std::find(m.used.begin(), m.used.end(), field) != m.used.end()) {
        CHECK(r.code == 0);
        CHECK(r.out != base.out);  // the field changes the run
      } else {
        CHECK(r.code == 2);
        CHECK(has(r.err, "optimizer." + field + ": not used by " + kind));
      }
    }
  }
  Result polyak = run_with({{"kind", "polyak"}, {"lr", 0.1}});
  CHECK(has(polyak.err, "optimizer.lr: not used by polyak (its step is scale·(L − L*)/‖∇L‖²: set optimizer.scale)"));

  // Model fields that only one setting reads.
  for (const auto& [model, message] :
       {std::pair<const char*, const char*>{R"({"init": {"kind": "zero", "std": 0.5}})",
                                            "model.init.std: not used by init kind zero"},
        {R"({"init": {"kind": "zero", "seed": 3}})", "model.init.seed: not used by init kind zero"},
        {R"({"head_signs": "alternating"})", "model.head_signs: only the multihead parameterisation"}}) {
    CAPTURE(std::string(model));
    std::string path = temp_file(std::string(R"({"model": )") + model + "}");
    Result r = cli("run " + path + " --iterations 0 --out /dev/null");
    CHECK(r.code == 2);
    CHECK(has(r.err, message));
    std::remove(path.c_str());
  }
}

TEST_CASE("attnsvm data: every field a generator accepts changes its dataset, every other data field is rejected") {
  // Every data field, with a valid value that differs from each generator's default.
  Json inline_base = Json::parse(R"({"kind": "inline", "X": [[[1, 0], [0, 1]], [[0.5, 0.5], [-1, 0]]], "y": [1, -1],
      "z": [[1, 0], [0, 1]], "v": [1, -1], "X_test": [[[1, 1], [0, 2]]], "y_test": [1], "z_test": [[0, 1]]})");
  Json standard = standard_dataset();
  standard.erase("query");  // the file's mode would have to match data.query
  std::string dataset_a = temp_file(standard.dump());
  std::string dataset_b =
      temp_file(data_of(Json::parse(R"({"data": {"n": 6, "T": 8, "d": 10, "seed": 2}})")).out);  // another file
  const std::string fashion_dir = fashion_subset();
  // A second Fashion-MNIST directory with other images: the test split of the subset as both splits.
  std::string other_fashion = temp_dir("-fashion");
  for (int k = 0; k < 4; ++k)
    std::filesystem::copy_file(fashion_dir + "/" + kFashionFiles[2 + k % 2], other_fashion + "/" + kFashionFiles[k]);

  const std::vector<std::pair<std::string, Json>> values = {
      {"n", 5},
      {"T", 4},
      {"d", 6},
      {"seed", 2},
      {"query", "self"},
      {"test_n", 2},
      {"centres", 2},
      {"noise", 0.5},
      {"snr", 5},
      {"C", 2.5},
      {"name", "tfsvm-2d"},
      {"path", dataset_b},
      {"classes", {1, 8}},
      {"grid", 7},
      {"positional", 0.5},
      {"X", {{{2, 0}, {0, 1}}, {{0.5, 0.5}, {-1, 0}}}},
      {"y", {-1, -1}},
      {"z", {{0, 1}, {0, 1}}},
      {"v", {1, 1}},
      {"X_test", {{{3, 1}, {0, 2}}}},
      {"y_test", {-1}},
      {"z_test", {{1, 1}}},
  };
  struct Generator {
    std::string label;
    Json base;                        // the data object
    std::vector<std::string> fields;  // the fields it accepts besides kind (and name for a toy)
  };
  const std::vector<std::string> sampled = {"n", "T", "d", "seed", "query", "test_n"};
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  std::vector<Generator> generators = {
      {"gaussian-unit", {{"kind", "gaussian-unit"}, {"n", 4}, {"T", 3}, {"d", 5}}, sampled},
      {"clusters", {{"kind", "clusters"}, {"n", 4}, {"T", 3}, {"d", 5}}, with(sampled, {"centres", "noise"})},
      {"tokenized-mixture",
       {{"kind", "tokenized-mixture"}, {"n", 4}, {"T", 3}, {"d", 5}},
       with(sampled, {"centres", "snr"})},
      {"global", {{"kind", "global"}, {"n", 4}, {"T", 3}, {"d", 5}}, sampled},
      {"fashion-mnist",
       {{"kind", "fashion-mnist"}, {"n", 4}, {"d", 5}, {"path", fashion_dir}},
       {"n", "test_n", "d", "seed", "query", "classes", "grid", "positional", "path"}},
      {"file", {{"kind", "file"}, {"path", dataset_a}}, {"path", "query"}},
      {"inline", inline_base, {"X", "y", "z", "v", "X_test", "y_test", "z_test", "query"}},
  };
  for (const auto& toy : toy_names()) {
    const ToyFields* t = toy_fields(toy);
    REQUIRE(t);  // the config knows every toy the generators make
    std::vector<std::string> fields = t->self_only ? std::vector<std::string>{} : std::vector<std::string>{"query"};
    if (t->seed) fields.push_back("seed");
    if (t->C) fields.push_back("C");
    generators.push_back({"toy " + toy, {{"kind", "toy"}, {"name", toy}}, fields});
  }

  for (const Generator& g : generators) {
    CAPTURE(g.label);
    Result base = data_of({{"data", g.base}});
    REQUIRE(base.code == 0);
    for (const auto& [field, value] : values) {
      if (field == "name" && g.base.contains("name")) continue;     // another toy is another dataset
      if (field == "query" && g.label == "toy md-joint") continue;  // below
      CAPTURE(field);
      Json data = g.base;
      data[field] = field == "path" && g.label == "fashion-mnist" ? Json(other_fashion) : value;
      Result r = data_of({{"data", data}});
      if (std::find(g.fields.begin(), g.fields.end(), field) != g.fields.end()) {
        CAPTURE(r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out != base.out);  // the field changes the dataset
      } else {
        CHECK(r.code == 2);
        CAPTURE(r.err);
        const std::string named = "data." + field + ": ";
        CHECK(has(r.err, named));
        const bool array = field.size() <= 6 && (field[0] == 'X' || field[0] == 'y' || field[0] == 'z' || field == "v");
        CHECK(has(r.err, array ? "arrays in the config need \"kind\": \"inline\"" : "not used by "));
      }
    }
  }
  // md-joint is self-attention by construction: "self" is what it is, "cross" is an error.
  Result md = data_of(Json::parse(R"({"data": {"kind": "toy", "name": "md-joint"}})"));
  CHECK(data_of(Json::parse(R"({"data": {"kind": "toy", "name": "md-joint", "query": "self"}})")).out == md.out);
  Result cross = data_of(Json::parse(R"({"data": {"kind": "toy", "name": "md-joint", "query": "cross"}})"));
  CHECK(cross.code == 2);
  CHECK(has(cross.err, "data.query: toy md-joint is self-attention"));
  // The issue's case: noise on global data was accepted and ignored (0.1 and 0.9 gave the same bytes).
  Result global = data_of(Json::parse(R"({"data": {"kind": "global", "noise": 0.9}})"));
  CHECK(global.code == 2);
  CHECK(has(global.err, "data.noise: not used by kind global"));
  std::filesystem::remove_all(other_fashion);
  for (const auto& f : {dataset_a, dataset_b}) std::remove(f.c_str());
}

TEST_CASE(
    "fashion-mnist runs from any working directory: the data are found by variable, beside the tool, or Debian's") {
  const std::string subset = fashion_subset();
  const std::string config = temp_file(R"({"data": {"kind": "fashion-mnist", "n": 20, "test_n": 10, "d": 6}})");
  Result explicit_path = data_of(Json::parse(R"({"data": {"kind": "fashion-mnist", "n": 20, "test_n": 10, "d": 6,
      "path": ")" + subset + "\"}}"));
  REQUIRE(explicit_path.code == 0);
  const std::string scratch = temp_dir("-cwd");
  auto from_scratch = [&](const std::string& env, const std::string& tool, const std::string& args) {
    Result r;
    r.code = run_shell("cd " + scratch + " && env -u ATTNSVM_FASHION_MNIST_DIR " + env + " " + tool + " " + args,
                       &r.out, &r.err);
    return r;
  };

  // Beside the executable: build/native/attnsvm finds build/data/fashion-mnist from another directory.
  Result beside = from_scratch("", kCli, "data " + config);
  INFO(beside.err);
  REQUIRE(beside.code == 0);
  CHECK(beside.out == explicit_path.out);
  const std::string train = temp_file(R"({"data": {"kind": "fashion-mnist", "n": 20, "test_n": 10, "d": 6},
      "model": {"decoder": "trained"}, "optimizer": {"kind": "gd", "lr": 1}, "run": {"iterations": 3}})");
  Result run = from_scratch("", kCli, "run " + train);
  CHECK(run.code == 0);
  CHECK(split(run.out, '\n').size() == 1 + 4);
  std::remove(train.c_str());

  // $ATTNSVM_FASHION_MNIST_DIR, here with gzipped files (as Debian ships them): the same images.
  const std::string gz = temp_dir("-gz");
  for (const char* f : kFashionFiles)
    REQUIRE(run_shell("(gzip -c " + subset + "/" + f + " > " + gz + "/" + f + ".gz)") == 0);
  Result from_env = from_scratch("ATTNSVM_FASHION_MNIST_DIR=" + gz, kCli, "data " + config);
  INFO(from_env.err);
  REQUIRE(from_env.code == 0);
  CHECK(from_env.out == explicit_path.out);
  // A variable naming a directory without the files: the error says where it looked.
  const std::string empty = temp_dir("-empty");
  Result missing = from_scratch("ATTNSVM_FASHION_MNIST_DIR=" + empty, kCli, "data " + config);
  CHECK(missing.code == 2);
  CHECK(has(missing.err, "data.path: no Fashion-MNIST images found: looked for train-images-idx3-ubyte(.gz) in " +
                             empty + " ($ATTNSVM_FASHION_MNIST_DIR)"));

  // A copy of the tool with no data beside it: Debian's dataset-fashion-mnist (gzipped IDX), else an
  // error listing both places.
  const std::string bin = temp_dir("-bin");
  std::filesystem::copy_file(kCli, bin + "/attnsvm");
  std::filesystem::permissions(bin + "/attnsvm", std::filesystem::perms::owner_all);
  Result copy = from_scratch("", bin + "/attnsvm", "data " + config);
  if (std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    INFO(copy.err);
    REQUIRE(copy.code == 0);
    Dataset d = dataset_from_json(Json::parse(copy.out), QueryMode::Cross);
    CHECK(d.train.n == 20);
    CHECK(d.train.T == 16);
    CHECK(d.test->n == 10);
  } else {
    CHECK(copy.code == 2);
    CHECK(has(copy.err, "looked for train-images-idx3-ubyte(.gz) in "));
    CHECK(has(copy.err, "/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist)"));
  }
  for (const auto& dir : {scratch, gz, empty, bin}) std::filesystem::remove_all(dir);
  std::remove(config.c_str());
}

TEST_CASE("an ensemble with diverged members exits 4 with one summary line and still writes the ensemble") {
  // ℓ1.01 mirror descent at η = 2000 on the exponential loss: some seeds overflow at once, others do not.
  std::string config = temp_file(R"({"data": {"n": 6, "T": 8, "d": 10}, "loss": "exponential",
      "optimizer": {"kind": "md", "p": 1.01, "lr": 2000}, "run": {"iterations": 30}})");
  for (const char* ext : {".csv", ".json"}) {
    CAPTURE(ext);
    std::string out = temp_path(ext);
    Result r = cli("run " + config + " --seeds 8 --points 3 --out " + out);
    CHECK(r.code == 4);
    CAPTURE(r.err);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line, however many diverged
    CHECK(has(r.err, "attnsvm run: 6 of 8 members diverged (members 1, 3-7 at step 1): "));
    CHECK(has(r.err, "try a smaller optimizer.lr (now 2000)"));
    CHECK(has(r.err, "(" + out + ")"));
    CHECK(has(r.err, "exit code 4"));
    std::string text = read_text_file(out);
    if (std::string(ext) == ".csv") {
      auto lines = split(text, '\n');
      CHECK(lines.size() == 1 + 4);  // header and the grid 0, 1, 5, 30
      CHECK(has(lines[1], ",8"));    // every member has step 0
    } else {
      Json j = Json::parse(text);
      CHECK(j["failures"].size() == 6u);
      CHECK(j["count"]["loss"] == Json::array({8, 2, 2, 2}));
    }
    std::remove(out.c_str());
  }
  // To stdout: the summary says so.
  Result r = cli("run " + config + " --seeds 8 --points 3");
  CHECK(r.code == 4);
  CHECK(has(r.err, "the CSV (stdout)"));
  std::remove(config.c_str());
}

TEST_CASE("--jobs: ensemble members and compare runs on threads, the output byte for byte that of --jobs 1") {
  // Six members of which some diverge (ℓ1.01 mirror descent at η = 2000; see above), and a compare of three
  // variants over four seeds with a test split, curves and one diverging variant: stdout, files and stderr.
  std::string ensemble = temp_file(R"({"data": {"n": 6, "T": 8, "d": 10}, "loss": "exponential",
      "optimizer": {"kind": "md", "p": 1.01, "lr": 2000}, "run": {"iterations": 30}})");
  std::string calm =
      temp_file(R"({"model": {"param": "KQ"}, "svm": {"norms": ["fro", "nuc"]}, "run": {"iterations": 400}})");
  std::string experiment = temp_file(R"({"base": {"data": {"n": 8, "T": 6, "d": 6, "test_n": 4},
      "optimizer": {"kind": "ngd", "lr": 0.1}, "run": {"iterations": 200, "record_every": 20}},
    "variants": [{"name": "W"}, {"name": "KQ", "model": {"param": "KQ"}},
                 {"name": "md", "optimizer": {"kind": "md", "p": 1.01, "lr": 2000}, "loss": "exponential"}],
    "seeds": 4})");
  auto outputs = [&](const std::string& jobs) {
    std::string csv = temp_path(".csv"), json = temp_path(".json"), curves = temp_path(".csv");
    Result a = cli("run " + ensemble + " --seeds 8 --points 3 --jobs " + jobs + " --out " + json);
    Result b = cli("run " + calm + " --seeds 5 --points 6 --jobs " + jobs);
    Result c = cli("compare " + experiment + " --jobs " + jobs + " --curves " + curves);
    std::vector<std::string> out = {std::to_string(a.code),
                                    read_text_file(json),
                                    a.err.substr(0, a.err.find('(' + json)),
                                    std::to_string(b.code),
                                    b.out,
                                    b.err,
                                    std::to_string(c.code),
                                    c.out,
                                    c.err,
                                    read_text_file(curves)};
    for (const auto& f : {csv, json, curves}) std::remove(f.c_str());
    return out;
  };
  const auto one = outputs("1");
  CHECK(one[0] == "4");
  CHECK(one[3] == "0");
  CHECK(one[6] == "4");
  CHECK(has(one[8], "attnsvm compare: md, seed 3: diverged at step 1"));
  for (const char* jobs : {"2", "3", "16"}) {
    CAPTURE(jobs);
    CHECK(outputs(jobs) == one);
  }
  // and without --jobs (one thread per core)
  Result fallback = cli("run " + calm + " --seeds 5 --points 6");
  CHECK(fallback.out == one[4]);

  for (const std::string bad : {"0", "-2", "x", "1.5", "100000", ""}) {
    CAPTURE(bad);
    Result r = cli("run " + calm + " --seeds 2 --jobs '" + bad + "'");
    CHECK(r.code == 2);
    CHECK(has(r.err, "--jobs: must be an integer between 1 and 1024, got \"" + bad + "\""));
    Result s = cli("compare " + experiment + " --jobs '" + bad + "'");
    CHECK(s.code == 2);
    CHECK(has(s.err, "--jobs: "));
  }
  Result single = cli("run " + calm + " --jobs 2");
  CHECK(single.code == 2);
  CHECK(has(single.err, "--jobs: only with --seeds"));
  for (const auto& f : {ensemble, calm, experiment}) std::remove(f.c_str());
}

TEST_CASE("attnsvm svm prints the local-optimality verdict of the page's SVM panel") {
  Json data = standard_dataset();  // n = 3, T = 3, d = 10, with v
  std::string path = temp_file(data.dump()), out = temp_path(".json");
  // The optimal tokens: every support token scores below the selected one.
  Result r = cli("svm " + path + " --norm fro --out " + out);
  CHECK(r.code == 0);
  CHECK(r.out == "Locally optimal: every support token scores below its sequence's selected token.\n");
  Json solution = Json::parse(read_text_file(out));
  CHECK(solution["localOptimality"]["locallyOptimal"] == true);
  // Without --out the JSON alone goes to stdout, the verdict to stderr.
  Result to_stdout = cli("svm " + path + " --norm fro");
  CHECK(to_stdout.code == 0);
  CHECK(Json::parse(to_stdout.out)["status"] == "optimal");
  CHECK(to_stdout.err ==
        "attnsvm svm: Locally optimal: every support token scores below its sequence's selected token.\n");

  // The worst token of every sequence: each other token scores higher, so a support token does too.
  Eigen::VectorXd v = vector_from_json(data["v"], 10, "v");
  std::string worst;
  for (int i = 0; i < 3; ++i) {
    int w = 0;
    double ws = INFINITY;
    for (int t = 0; t < 3; ++t) {
      Eigen::VectorXd x = vector_from_json(data["X"][i][t], 10, "x");
      double score = data["y"][i].get<double>() * x.dot(v);
      if (score < ws) ws = score, w = t;
    }
    worst += (i ? "," : "") + std::to_string(w);
  }
  Result bad = cli("svm " + path + " --norm nuc --tokens " + worst + " --out " + out);
  CAPTURE(bad.err);
  REQUIRE(Json::parse(read_text_file(out))["status"] == "optimal");
  CHECK(bad.code == 0);
  CHECK(bad.out.rfind("Not locally optimal: sequence ", 0) == 0);
  CHECK(has(bad.out, " of the selected token "));
  // the sentence is the JSON's explanation, capitalised
  const std::string explanation = Json::parse(read_text_file(out))["localOptimality"]["explanation"];
  CHECK(bad.out == "N" + explanation.substr(1) + ".\n");

  // No decoder known (a dataset without v, explicit tokens): the verdict says it was not checked.
  data.erase("v");
  std::string novec = temp_file(data.dump());
  Result unknown = cli("svm " + novec + " --norm fro --tokens 0,1,2 --out " + out);
  CHECK(unknown.code == 0);
  CHECK(has(unknown.out, "Local optimality not checked: no decoder v"));
  for (const auto& f : {path, out, novec}) std::remove(f.c_str());
}

TEST_CASE("attnsvm run with svm.p a list: the columns of each exponent; an infeasible member is counted, exit 4") {
  std::string config = temp_file(R"({"optimizer": {"kind": "md", "p": 3, "normalized": true, "lr": 0.1},
      "model": {"init": {"kind": "zero"}}, "svm": {"norms": ["lp"], "p": [1.75, 2, 3]}})");
  Result r = cli("run " + config + " --iterations 20 --record-every 10");
  CHECK(r.code == 0);
  auto header = split(split(r.out, '\n')[0], ',');
  for (const char* c :
       {"norm_lp1.75", "norm_lp2", "norm_lp3", "corr_lp1.75", "bregman_lp2", "rank_lp3", "selects_optimal"})
    CHECK_MESSAGE(std::find(header.begin(), header.end(), c) != header.end(), c);
  Result bad = cli("run " + temp_file(R"({"svm": {"norms": ["lp"], "p": [3, 3]}})"));
  CHECK(bad.code == 2);
  CHECK(has(bad.err, "svm.p: lists 3 twice"));

  // d = 2: most instances are infeasible; those members are left out, counted, and said so in one line.
  std::string tiny = temp_file(R"({"data": {"n": 5, "T": 5, "d": 2}, "svm": {"norms": ["fro", "nuc"]}})");
  std::string out = temp_path(".json");
  Result e = cli("run " + tiny + " --seeds 10 --iterations 5 --points 2 --out " + out);
  CAPTURE(e.err);
  CHECK(e.code == 4);
  CHECK(std::count(e.err.begin(), e.err.end(), '\n') == 1);
  CHECK(has(e.err, " of 10 members failed: "));
  CHECK(has(e.err, " an infeasible SVM reference (member"));
  CHECK(has(e.err, "the fro SVM reference is infeasible"));
  Json j = Json::parse(read_text_file(out));
  const std::size_t failed = j["failures"].size();
  CHECK(failed > 0);
  CHECK(failed < 10);
  CHECK(j["count"]["rank_fro"].back() == 10 - static_cast<int>(failed));
  CHECK(j["count"]["loss"].back() == 10 - static_cast<int>(failed));
  for (const auto& f : {config, tiny, out}) std::remove(f.c_str());
}
