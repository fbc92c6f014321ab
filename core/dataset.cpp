#include "dataset.hpp"

#include <cmath>

#include "errors.hpp"

namespace attnsvm {
namespace {

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw InputError(field + ": " + message);
}

double number_at(const Json& j, const std::string& field) {
  if (!j.is_number()) fail(field, "must be a number, got " + j.dump());
  double x = j.get<double>();
  if (!std::isfinite(x)) fail(field, "must be finite");
  return x;
}

const Json& array_of(const Json& j, std::size_t size, const std::string& field) {
  if (!j.is_array()) fail(field, "must be an array");
  if (size != 0 && j.size() != size)
    fail(field, "must have " + std::to_string(size) + " entries, got " + std::to_string(j.size()));
  return j;
}

Eigen::VectorXd vector_from(const Json& j, std::size_t size, const std::string& field) {
  array_of(j, size, field);
  if (j.empty()) fail(field, "must not be empty");
  Eigen::VectorXd v(static_cast<Eigen::Index>(j.size()));
  for (std::size_t k = 0; k < j.size(); ++k) v(k) = number_at(j[k], field + "[" + std::to_string(k) + "]");
  return v;
}

/// Reads an n×T×d array into rows i·T + t, checking the shape against (T, d) if known (non-zero).
RowMatrix tokens_from(const Json& j, int& n, int& T, int& d, const std::string& field) {
  array_of(j, 0, field);
  if (j.empty()) fail(field, "must hold at least one sequence");
  n = static_cast<int>(j.size());
  if (T == 0) T = static_cast<int>(array_of(j[0], 0, field + "[0]").size());
  if (T == 0) fail(field + "[0]", "a sequence needs at least one token");
  if (d == 0) d = static_cast<int>(array_of(array_of(j[0], 0, field + "[0]")[0], 0, field + "[0][0]").size());
  if (d == 0) fail(field + "[0][0]", "a token needs at least one coordinate");
  if (std::int64_t{n} * T * d > 10'000'000) fail(field, "more than 10,000,000 token entries");
  RowMatrix X(static_cast<Eigen::Index>(n) * T, d);
  for (int i = 0; i < n; ++i) {
    std::string fi = field + "[" + std::to_string(i) + "]";
    const Json& seq = array_of(j[i], static_cast<std::size_t>(T), fi);
    for (int t = 0; t < T; ++t) {
      std::string ft = fi + "[" + std::to_string(t) + "]";
      const Json& tok = array_of(seq[t], static_cast<std::size_t>(d), ft);
      for (int k = 0; k < d; ++k)
        X(static_cast<Eigen::Index>(i) * T + t, k) = number_at(tok[k], ft + "[" + std::to_string(k) + "]");
    }
  }
  return X;
}

Eigen::MatrixXd matrix_from(const Json& j, int rows, int cols, const std::string& field) {
  array_of(j, static_cast<std::size_t>(rows), field);
  Eigen::MatrixXd M(rows, cols);
  for (int r = 0; r < rows; ++r)
    M.row(r) = vector_from(j[r], static_cast<std::size_t>(cols), field + "[" + std::to_string(r) + "]");
  return M;
}

Sequences sequences_from(const Json& X, const Json& y, const Json* z, QueryMode query, int T, int d,
                         const std::string& where, const std::string& suffix) {
  Sequences s;
  s.T = T;
  s.d = d;
  s.X = tokens_from(X, s.n, s.T, s.d, where + ".X" + suffix);
  s.y = vector_from(y, static_cast<std::size_t>(s.n), where + ".y" + suffix);
  if (query == QueryMode::Cross) {
    if (!z) fail(where + ".z" + suffix, "is required in cross query mode (or set data.query to \"self\")");
    s.Z = matrix_from(*z, s.n, s.d, where + ".z" + suffix);
  } else {
    s.Z.resize(s.n, s.d);
    for (int i = 0; i < s.n; ++i) s.Z.row(i) = s.X.row(static_cast<Eigen::Index>(i) * s.T);
  }
  return s;
}

Json tokens_json(const Sequences& s) {
  Json X = Json::array();
  for (int i = 0; i < s.n; ++i) {
    Json seq = Json::array();
    for (int t = 0; t < s.T; ++t) {
      auto row = s.X.row(static_cast<Eigen::Index>(i) * s.T + t);
      seq.push_back(std::vector<double>(row.begin(), row.end()));
    }
    X.push_back(std::move(seq));
  }
  return X;
}

void validate_sequences(const Sequences& s, const std::string& where, const std::string& suffix) {
  if (s.n < 1 || s.T < 1 || s.d < 1) fail(where + ".X" + suffix, "needs n, T, d >= 1");
  if (s.X.rows() != static_cast<Eigen::Index>(s.n) * s.T || s.X.cols() != s.d)
    fail(where + ".X" + suffix, "shape mismatch");
  if (s.y.size() != s.n) fail(where + ".y" + suffix, "needs one label per sequence");
  if (s.Z.rows() != s.n || s.Z.cols() != s.d) fail(where + ".z" + suffix, "needs one d-vector per sequence");
  if (!s.X.allFinite()) fail(where + ".X" + suffix, "must be finite");
  if (!s.Z.allFinite()) fail(where + ".z" + suffix, "must be finite");
  for (int i = 0; i < s.n; ++i)
    if (s.y(i) != 1.0 && s.y(i) != -1.0)
      fail(where + ".y" + suffix + "[" + std::to_string(i) + "]",
           "labels must be -1 or 1, got " + std::to_string(s.y(i)));
}

}  // namespace

Json matrix_json(const Eigen::Ref<const Eigen::MatrixXd>& M) {
  Json out = Json::array();
  for (Eigen::Index r = 0; r < M.rows(); ++r) out.push_back(std::vector<double>(M.row(r).begin(), M.row(r).end()));
  return out;
}

void validate(const Dataset& data, const std::string& where) {
  validate_sequences(data.train, where, "");
  if (data.test) {
    validate_sequences(*data.test, where, "_test");
    if (data.test->T != data.train.T || data.test->d != data.train.d)
      fail(where + ".X_test", "test sequences must have the same T and d as the training sequences");
  }
  if (data.v) {
    if (data.v->size() != data.train.d)
      fail(where + ".v", "must have d = " + std::to_string(data.train.d) + " entries");
    if (!data.v->allFinite()) fail(where + ".v", "must be finite");
  }
}

Dataset dataset_from_json(const Json& json, QueryMode query, const std::string& where) {
  if (!json.is_object()) fail(where, "must be a JSON object with X, y (and z, v)");
  for (auto it = json.begin(); it != json.end(); ++it) {
    static const char* known[] = {"X", "y", "z", "v", "X_test", "y_test", "z_test", "query"};
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) fail(where + "." + it.key(), "unknown field");
  }
  if (auto q = json.find("query"); q != json.end()) {
    std::string want = name(query);
    if (*q != want) fail(where + ".query", "the dataset is " + q->dump() + " but data.query is \"" + want + "\"");
  }
  if (!json.contains("X")) fail(where + ".X", "is required (n×T×d tokens)");
  if (!json.contains("y")) fail(where + ".y", "is required (n labels ±1)");
  auto opt = [&](const char* key) {
    auto it = json.find(key);
    return it == json.end() ? nullptr : &*it;
  };
  Dataset data;
  data.query = query;
  data.train = sequences_from(json["X"], json["y"], opt("z"), query, 0, 0, where, "");
  if (const Json* Xt = opt("X_test")) {
    const Json* yt = opt("y_test");
    if (!yt) fail(where + ".y_test", "is required with X_test");
    data.test = sequences_from(*Xt, *yt, opt("z_test"), query, data.train.T, data.train.d, where, "_test");
  } else if (opt("y_test") || opt("z_test")) {
    fail(where + ".X_test", "is required with y_test / z_test");
  }
  if (const Json* v = opt("v")) data.v = vector_from(*v, static_cast<std::size_t>(data.train.d), where + ".v");
  validate(data, where);
  return data;
}

Json to_json(const Dataset& data) {
  Json out = {{"query", name(data.query)},
              {"X", tokens_json(data.train)},
              {"y", std::vector<double>(data.train.y.begin(), data.train.y.end())}};
  if (data.query == QueryMode::Cross) out["z"] = matrix_json(data.train.Z);
  if (data.v) out["v"] = std::vector<double>(data.v->begin(), data.v->end());
  if (data.test) {
    out["X_test"] = tokens_json(*data.test);
    out["y_test"] = std::vector<double>(data.test->y.begin(), data.test->y.end());
    if (data.query == QueryMode::Cross) out["z_test"] = matrix_json(data.test->Z);
  }
  return out;
}

Eigen::VectorXi optimal_tokens(const Sequences& seq, const Eigen::Ref<const Eigen::VectorXd>& v) {
  Eigen::VectorXi alpha(seq.n);
  for (int i = 0; i < seq.n; ++i) {
    Eigen::VectorXd gamma = seq.y(i) * (seq.tokens(i) * v);
    Eigen::Index best = 0;
    gamma.maxCoeff(&best);
    alpha(i) = static_cast<int>(best);
  }
  return alpha;
}

}  // namespace attnsvm
