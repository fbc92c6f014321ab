// Config validation names the field; datasets round-trip through JSON; generators have their properties.
#include "errors.hpp"
#include "helpers.hpp"

using namespace attnsvm;

namespace {

/// The message of the InputError that parsing `json` throws ("" if none).
std::string error_of(const std::string& json) {
  try {
    Session::from_json(json);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("each class of bad config gives an error naming the field") {
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"(not json)", "config: malformed JSON"},
      {R"([1, 2])", "config: must be a JSON object"},
      {R"({"optimiser": {}})", "optimiser: unknown field"},
      {R"({"optimizer": {"lr": -1}})", "optimizer.lr:"},
      {R"({"optimizer": {"lr": "fast"}})", "optimizer.lr: must be a number"},
      {R"({"optimizer": {"kind": "adam"}})", "optimizer.kind: must be one of"},
      {R"({"optimizer": {"kind": "md", "p": 1}})", "optimizer.p: must be > 1"},
      {R"({"optimizer": {"lrr": 0.1}})", "optimizer.lrr: unknown field"},
      {R"({"data": {"n": 0}})", "data.n:"},
      {R"({"data": {"T": 2.5}})", "data.T: must be an integer"},
      {R"({"data": {"n": 100000, "T": 1000, "d": 1000}})", "data.n:"},
      {R"({"data": {"kind": "toy"}})", "data.name:"},
      {R"({"data": {"kind": "toy", "name": "nope"}})", "data.name: unknown toy dataset"},
      {R"({"data": {"kind": "file"}})", "data.path:"},
      {R"({"data": {"kind": "file", "path": "/nonexistent/data.json"}})", "/nonexistent/data.json: cannot open"},
      {R"({"data": {"kind": "inline", "X": [[[1, 2]]], "y": [2], "z": [[1, 0]]}})",
       "data.y[0]: labels must be -1 or 1"},
      {R"({"data": {"kind": "inline", "X": [[[1, 2], [3]]], "y": [1], "z": [[1, 0]]}})", "data.X[0][1]: must have 2"},
      {R"({"data": {"kind": "inline", "X": [[[1, 2]]], "y": [1]}})", "data.z: is required in cross query mode"},
      {R"({"data": {"X": [[[1, 2]]]}})", "data.X: arrays in the config need"},
      {R"({"model": {"param": "QK"}})", "model.param: must be one of"},
      {R"({"model": {"heads": 0}})", "model.heads:"},
      {R"({"model": {"param": "W", "heads": 2}})", "model.heads: only the multihead"},
      {R"({"model": {"width": 4}})", "model.width: only the KQ"},
      {R"({"model": {"init": {"kind": "uniform"}}})", "model.init.kind:"},
      {R"({"model": {"init": {"std": -1}}})", "model.init.std:"},
      {R"({"loss": "hinge"})", "loss: must be one of"},
      {R"({"svm": {"norms": ["fro", "fro"]}})", "svm.norms: lists \"fro\" twice"},
      {R"({"svm": {"norms": ["spectral"]}})", "svm.norms[0]: must be one of"},
      {R"({"svm": {"p": 0.5}})", "svm.p:"},
      {R"({"svm": {"tokens": "best"}})", "svm.tokens:"},
      {R"({"run": {"record_every": 0}})", "run.record_every:"},
      {R"({"run": {"iterations": -5}})", "run.iterations:"},
      {R"({"loss": "linear", "model": {"decoder": "trained"}, "optimizer": {"kind": "polyak"}})",
       "optimizer.kind: polyak"},
      {R"({"model": {"param": "prompt"}, "svm": {"norms": ["nuc"]}})", "svm.norms: \"nuc\" needs a matrix"},
      {R"({"data": {"kind": "inline", "X": [[[1, 2]]], "y": [1], "z": [[1, 0]]}, "model": {"decoder": "fixed"}})",
       "model.decoder: the dataset has no decoder v"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    std::string message = error_of(c.json);
    CHECK(message.find(c.field) == 0);
  }
}

TEST_CASE("the config round-trips through JSON") {
  Config a = parse_config(R"({"data": {"kind": "clusters", "n": 5, "T": 4, "d": 3, "seed": 9, "query": "self"},
      "model": {"param": "KQ", "width": 2, "decoder": "trained"}, "loss": "exponential",
      "optimizer": {"kind": "md", "p": 1.75, "normalized": true}, "svm": {"norms": ["fro", "lp"], "tokens": "selected"},
      "run": {"iterations": 7}})");
  Config b = parse_config(to_json(a));
  CHECK(to_json(a) == to_json(b));
  CHECK(b.model.width == 2);
  CHECK(b.optimizer.p == 1.75);
  CHECK(b.svm.norms.size() == 2);
}

TEST_CASE("svm.joint: the relaxed joint SVM by default with a trained decoder, false with a fixed one") {
  CHECK(parse_config(R"({"model": {"decoder": "trained"}})").svm.joint);
  CHECK(!parse_config(R"({"model": {"decoder": "trained"}, "svm": {"joint": false}})").svm.joint);
  CHECK(!parse_config("{}").svm.joint);
  CHECK(
      parse_config(R"({"model": {"param": "prompt", "decoder": "trained"}, "svm": {"tokens": "selected"}})").svm.joint);
  for (const char* json : {R"({"model": {"decoder": "trained"}, "svm": {"joint": false}})", "{}",
                           R"({"model": {"decoder": "trained"}})"}) {
    Config a = parse_config(json);
    CHECK(parse_config(to_json(a)).svm.joint == a.svm.joint);
  }
  CHECK(error_of(R"({"svm": {"joint": true}})").starts_with("svm.joint: the relaxed joint SVM describes joint"));
  CHECK(error_of(R"({"model": {"decoder": "trained"}, "svm": {"joint": 1}})") ==
        "svm.joint: must be true or false, got 1");
}

TEST_CASE("a dataset round-trips through its JSON format, and file datasets train like generated ones") {
  for (const char* query : {"cross", "self"}) {
    CAPTURE(query);
    Config c = parse_config(
        std::string(R"({"data": {"kind": "gaussian-unit", "n": 4, "T": 3, "d": 2, "test_n": 2, "query": ")") + query +
        "\"}}");
    Dataset a = make_dataset(c.data);
    std::string path = testing::temp_file(to_json(a).dump());
    c.data.kind = DataKind::File;
    c.data.path = path;
    Dataset b = make_dataset(c.data);
    CHECK(a.train.X == b.train.X);
    CHECK(a.train.Z == b.train.Z);
    CHECK(a.train.y == b.train.y);
    CHECK(*a.v == *b.v);
    REQUIRE(b.test);
    CHECK(a.test->X == b.test->X);
    std::remove(path.c_str());
  }
}

TEST_CASE("generated data has its documented properties") {
  SUBCASE("gaussian-unit: unit tokens, queries and decoder; labels ±1") {
    Dataset d = make_dataset(parse_config(R"({"data": {"n": 20, "T": 5, "d": 4}})").data);
    CHECK((d.train.X.rowwise().norm().array() - 1.0).abs().maxCoeff() < 1e-12);
    CHECK((d.train.Z.rowwise().norm().array() - 1.0).abs().maxCoeff() < 1e-12);
    CHECK(std::abs(d.v->norm() - 1.0) < 1e-12);
    CHECK((d.train.y.array().abs() == 1.0).all());
    CHECK(d.train.y.minCoeff() == -1.0);
    CHECK(d.train.y.maxCoeff() == 1.0);
  }
  SUBCASE("global: the optimal token is y_i v, every other token is orthogonal to v") {
    Dataset d = make_dataset(parse_config(R"({"data": {"kind": "global", "n": 10, "T": 6, "d": 5}})").data);
    Eigen::VectorXi alpha = optimal_tokens(d.train, *d.v);
    for (int i = 0; i < d.train.n; ++i)
      for (int t = 0; t < d.train.T; ++t) {
        double gamma = d.train.y(i) * d.train.tokens(i).row(t).dot(*d.v);
        CHECK(gamma == doctest::Approx(t == alpha(i) ? 1.0 : 0.0).epsilon(1e-12));
      }
  }
  SUBCASE("self mode: the query is the first token") {
    Dataset d = make_dataset(parse_config(R"({"data": {"kind": "tokenized-mixture", "query": "self"}})").data);
    for (int i = 0; i < d.train.n; ++i) CHECK(d.train.Z.row(i) == d.train.X.row(i * d.train.T));
  }
  SUBCASE("clusters and tokenized-mixture: the planted token is optimal") {
    for (const char* data :
         {R"("kind": "clusters", "n": 30, "noise": 0.05)", R"("kind": "tokenized-mixture", "n": 30, "snr": 20)"}) {
      Dataset d = make_dataset(parse_config(std::string(R"({"data": {)") + data + "}}").data);
      Eigen::VectorXi alpha = optimal_tokens(d.train, *d.v);
      int planted = 0;  // γ_iα_i is the planted, largest score
      for (int i = 0; i < d.train.n; ++i) planted += d.train.y(i) * d.train.tokens(i).row(alpha(i)).dot(*d.v) > 0.8;
      CHECK(planted == d.train.n);
    }
  }
  SUBCASE("every toy dataset loads") {
    for (const auto& name : toy_names()) {
      CAPTURE(name);
      Dataset d = make_dataset(parse_config(R"({"data": {"kind": "toy", "name": ")" + name + "\"}}").data);
      CHECK(d.train.n >= 1);
      CHECK(d.v);
    }
  }
}
