#include "dataset.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "json_eigen.hpp"
#include "limits.hpp"

namespace attnsvm {
namespace {

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw InputError(field + ": " + message);
}

/// Throws unless n, T, d and the token entries n·T·d (plus `before`, those of the splits already read) are
/// within the dataset limits (before anything is allocated).
void check_size(std::int64_t n, std::int64_t T, std::int64_t d, std::int64_t before, const std::string& field) {
  auto over = [&](const char* what, std::int64_t value, std::int64_t limit) {
    fail(field, std::string(what) + " = " + std::to_string(value) + " exceeds the limit of " + std::to_string(limit));
  };
  if (n > limits::kSequences) over("n (sequences)", n, limits::kSequences);
  if (T > limits::kTokens) over("T (tokens per sequence)", T, limits::kTokens);
  if (d > limits::kDim) over("d (token dimension)", d, limits::kDim);
  if (before == 0 && n * T * d > limits::kEntries) over("n·T·d (token entries)", n * T * d, limits::kEntries);
  if (before > 0 && before + n * T * d > limits::kEntries)
    over("n·T·d (token entries, train and test together)", before + n * T * d, limits::kEntries);
}

/// Reads an n×T×d array into rows i·T + t, checking the shape against (T, d) if known (non-zero) and the size
/// against the limits (`before`: the token entries of the splits already read).
RowMatrix tokens_from(const Json& j, int& n, int& T, int& d, std::int64_t before, const std::string& field) {
  array_from_json(j, 0, field);
  if (j.empty()) fail(field, "must hold at least one sequence");
  n = static_cast<int>(j.size());
  if (T == 0) T = static_cast<int>(array_from_json(j[0], 0, field + "[0]").size());
  if (T == 0) fail(field + "[0]", "a sequence needs at least one token");
  if (d == 0)
    d = static_cast<int>(array_from_json(array_from_json(j[0], 0, field + "[0]")[0], 0, field + "[0][0]").size());
  if (d == 0) fail(field + "[0][0]", "a token needs at least one coordinate");
  check_size(n, T, d, before, field);
  RowMatrix X(static_cast<Eigen::Index>(n) * T, d);
  for (int i = 0; i < n; ++i) {
    std::string fi = field + "[" + std::to_string(i) + "]";
    const Json& seq = array_from_json(j[i], static_cast<std::size_t>(T), fi);
    for (int t = 0; t < T; ++t) {
      std::string ft = fi + "[" + std::to_string(t) + "]";
      const Json& tok = array_from_json(seq[t], static_cast<std::size_t>(d), ft);
      for (int k = 0; k < d; ++k)
        X(static_cast<Eigen::Index>(i) * T + t, k) = number_from_json(tok[k], ft + "[" + std::to_string(k) + "]");
    }
  }
  return X;
}

Sequences sequences_from(const Json& X, const Json& y, const Json* z, QueryMode query, int T, int d,
                         std::int64_t before, const std::string& where, const std::string& suffix) {
  Sequences s;
  s.T = T;
  s.d = d;
  s.X = tokens_from(X, s.n, s.T, s.d, before, where + ".X" + suffix);
  s.y = vector_from_json(y, static_cast<std::size_t>(s.n), where + ".y" + suffix);
  if (query == QueryMode::Cross) {
    if (!z) fail(where + ".z" + suffix, "is required in cross query mode (or set data.query to \"self\")");
    s.Z = matrix_from_json(*z, s.n, s.d, where + ".z" + suffix);
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
    // null is not "absent": it is rejected by name, also where the query mode would not read the field.
    if (it->is_null())
      fail(where + "." + it.key(),
           it.key() == "query" ? "must be \"cross\" or \"self\", got null" : "must be an array, got null");
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
  data.train = sequences_from(json["X"], json["y"], opt("z"), query, 0, 0, 0, where, "");
  if (const Json* Xt = opt("X_test")) {
    const Json* yt = opt("y_test");
    if (!yt) fail(where + ".y_test", "is required with X_test");
    data.test =
        sequences_from(*Xt, *yt, opt("z_test"), query, data.train.T, data.train.d, data.train.X.size(), where, "_test");
  } else if (opt("y_test") || opt("z_test")) {
    fail(where + ".X_test", "is required with y_test / z_test");
  }
  if (const Json* v = opt("v")) data.v = vector_from_json(*v, static_cast<std::size_t>(data.train.d), where + ".v");
  validate(data, where);
  return data;
}

Json to_json(const Dataset& data) {
  Json out = {{"query", name(data.query)}, {"X", tokens_json(data.train)}, {"y", vector_json(data.train.y)}};
  if (data.query == QueryMode::Cross) out["z"] = matrix_json(data.train.Z);
  if (data.v) out["v"] = vector_json(*data.v);
  if (data.test) {
    out["X_test"] = tokens_json(*data.test);
    out["y_test"] = vector_json(data.test->y);
    if (data.query == QueryMode::Cross) out["z_test"] = matrix_json(data.test->Z);
  }
  return out;
}

// --- dataset files: format detection and the CSV format ----------------------------------------------

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string shown(std::string_view cell) {
  std::string out = "\"";
  for (char c : cell.substr(0, 40)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out + (cell.size() > 40 ? "...\"" : "\"");
}

/// A CSV line with its 1-based number in the file.
struct CsvLine {
  std::size_t number;
  std::string_view text;
};

/// The lines that hold data: blank lines and # comments skipped, a UTF-8 byte-order mark dropped.
std::vector<CsvLine> csv_lines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvLine> lines;
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (!line.empty() && line.front() != '#') lines.push_back({number, line});
  }
  return lines;
}

std::vector<std::string_view> csv_cells(std::string_view line) {
  std::vector<std::string_view> cells;
  for (;;) {
    std::size_t comma = line.find(',');
    cells.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return cells;
    line.remove_prefix(comma + 1);
  }
}

/// A column index k ≥ 1 from the digits after "x" or "z" (no sign, no leading zero), or 0.
std::int64_t column_index(std::string_view digits) {
  if (digits.empty() || digits.size() > 6 || digits[0] == '0') return 0;
  std::int64_t k = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    k = k * 10 + (c - '0');
  }
  return k;
}

/// The columns of a CSV dataset, from its header.
struct CsvColumns {
  std::size_t count = 0;
  int seq = -1, token = -1, y = -1, split = -1;
  std::vector<int> x, z;  ///< cell index of x_k / z_k, k = 1..d
};

CsvColumns csv_columns(const CsvLine& header, const std::string& where) {
  const std::string field = where + " line " + std::to_string(header.number) + " (header)";
  std::vector<std::string_view> cells = csv_cells(header.text);
  CsvColumns c;
  c.count = cells.size();
  std::map<std::int64_t, int> x, z;
  std::vector<std::string_view> seen;
  for (std::size_t k = 0; k < cells.size(); ++k) {
    std::string_view name = cells[k];
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      fail(field, "column " + shown(name) + " appears twice");
    seen.push_back(name);
    const int cell = static_cast<int>(k);
    if (name == "seq") {
      c.seq = cell;
    } else if (name == "token") {
      c.token = cell;
    } else if (name == "y") {
      c.y = cell;
    } else if (name == "split") {
      c.split = cell;
    } else if ((name[0] == 'x' || name[0] == 'z') && column_index(name.substr(1)) > 0) {
      (name[0] == 'x' ? x : z)[column_index(name.substr(1))] = cell;
    } else {
      fail(field, "unknown column " + shown(name) +
                      " (the columns are seq, token, y, x1..xd, optionally z1..zd and split; see README \"Dataset "
                      "files\")");
    }
  }
  for (const char* required : {"seq", "token", "y"})
    if (std::find(seen.begin(), seen.end(), required) == seen.end())
      fail(field, std::string("needs a column \"") + required + "\" (seq,token,y,x1..xd[,z1..zd][,split])");
  if (x.empty()) fail(field, "needs the token columns x1..xd");
  const std::int64_t d = static_cast<std::int64_t>(x.size());
  if (d > limits::kDim)
    fail(field, "d = " + std::to_string(d) + " x columns exceed the limit of " + std::to_string(limits::kDim));
  for (std::int64_t k = 1; k <= d; ++k)
    if (!x.count(k)) fail(field, "column x" + std::to_string(k) + " is missing (x1..xd must all be present)");
  if (!z.empty() && static_cast<std::int64_t>(z.size()) != d)
    fail(field, "has " + std::to_string(z.size()) + " z columns for " + std::to_string(d) +
                    " x columns (z1..zd: one query coordinate per token coordinate)");
  for (std::int64_t k = 1; k <= static_cast<std::int64_t>(z.size()); ++k)
    if (!z.count(k)) fail(field, "column z" + std::to_string(k) + " is missing (z1..zd must all be present)");
  for (const auto& [k, cell] : x) c.x.push_back(cell);
  for (const auto& [k, cell] : z) c.z.push_back(cell);
  return c;
}

/// One split (train or test) of a CSV dataset as its rows arrive.
struct CsvSplit {
  std::vector<double> X, y, Z;  ///< row-major tokens, one label and one query per sequence
  std::int64_t n = 0;           ///< sequences started
  std::int64_t T = 0;           ///< tokens per sequence (0 until the first sequence ends)
  std::int64_t tokens = 0;      ///< tokens of the current sequence so far
  std::size_t first_line = 0;   ///< the line of the current sequence's first row
};

class CsvReader {
 public:
  CsvReader(const std::string& where, QueryMode query) : where_(where), query_(query) {}

  Dataset read(const std::string& text) {
    std::vector<CsvLine> lines = csv_lines(text);
    if (lines.empty()) fail(where_, "is empty (a CSV dataset needs a header row and one row per token)");
    columns_ = csv_columns(lines[0], where_);
    const std::int64_t d = static_cast<std::int64_t>(columns_.x.size());
    const bool cross = query_ == QueryMode::Cross;
    if (cross && columns_.z.empty())
      fail(where_ + " line " + std::to_string(lines[0].number) + " (header)",
           "needs the query columns z1..zd in cross query mode (or set data.query to \"self\")");
    // Every data row is at most one token: bound the allocation before reading any.
    const std::int64_t rows = static_cast<std::int64_t>(lines.size()) - 1;
    if (rows * d > limits::kEntries)
      fail(where_, std::to_string(rows) + " rows of d = " + std::to_string(d) + " exceed the limit of " +
                       std::to_string(limits::kEntries) + " token entries (n·T·d)");
    if (rows == 0) fail(where_, "has a header but no rows (one row per token)");
    for (std::size_t l = 1; l < lines.size(); ++l) row(lines[l]);

    Dataset data;
    data.query = query_;
    data.train = finish(train_, "train", "");
    if (test_.n > 0) data.test = finish(test_, "test", "_test");
    if (!v_.empty()) data.v = Eigen::Map<Eigen::VectorXd>(v_.data(), static_cast<Eigen::Index>(v_.size()));
    validate(data, where_);
    return data;
  }

 private:
  [[noreturn]] void fail_at(std::size_t line, int cell, const std::string& message) const {
    std::string column;
    if (cell < 0) fail(where_ + " line " + std::to_string(line), message);
    if (cell == columns_.seq) column = "seq";
    if (cell == columns_.token) column = "token";
    if (cell == columns_.y) column = "y";
    if (cell == columns_.split) column = "split";
    for (std::size_t k = 0; k < columns_.x.size(); ++k)
      if (cell == columns_.x[k]) column = "x" + std::to_string(k + 1);
    for (std::size_t k = 0; k < columns_.z.size(); ++k)
      if (cell == columns_.z[k]) column = "z" + std::to_string(k + 1);
    fail(where_ + " line " + std::to_string(line) + (column.empty() ? "" : ", column " + column), message);
  }

  double number(const CsvLine& line, int cell) const {
    std::string text(cells_[cell]);
    if (text.empty()) fail_at(line.number, cell, "must be a number, got an empty cell");
    char* end = nullptr;
    double x = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) fail_at(line.number, cell, "must be a number, got " + shown(text));
    if (!std::isfinite(x)) fail_at(line.number, cell, "must be finite, got " + shown(text));
    return x;
  }

  std::int64_t index(const CsvLine& line, int cell) const {
    std::string_view text = cells_[cell];
    bool digits = !text.empty() && text.size() <= 9 &&
                  std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) fail_at(line.number, cell, "must be an index 0, 1, 2, ..., got " + shown(text));
    return std::stoll(std::string(text));
  }

  void row(const CsvLine& line) {
    cells_ = csv_cells(line.text);
    if (cells_.size() != columns_.count)
      fail_at(line.number, -1,
              "has " + std::to_string(cells_.size()) + " cells, the header has " + std::to_string(columns_.count));
    if (cells_[columns_.seq] == "v") return decoder_row(line);
    CsvSplit* split = &train_;
    if (columns_.split >= 0) {
      std::string_view s = cells_[columns_.split];
      if (s == "test")
        split = &test_;
      else if (!s.empty() && s != "train")
        fail_at(line.number, columns_.split, "must be \"train\" or \"test\", got " + shown(s));
    }
    CsvSplit& sp = *split;
    const std::int64_t seq = index(line, columns_.seq), token = index(line, columns_.token);
    const double y = number(line, columns_.y);
    if (y != 1.0 && y != -1.0)
      fail_at(line.number, columns_.y, "labels must be -1 or 1, got " + shown(cells_[columns_.y]));
    const bool cross = query_ == QueryMode::Cross;
    if (sp.n > 0 && seq == sp.n - 1) {  // the next token of the current sequence
      if (token != sp.tokens)
        fail_at(line.number, columns_.token,
                "expected token " + std::to_string(sp.tokens) + " of sequence " + std::to_string(seq) + ", got " +
                    std::to_string(token) + " (tokens are numbered 0, 1, ... in order)");
      if (sp.T > 0 && sp.tokens >= sp.T)
        fail_at(line.number, columns_.token,
                "sequence " + std::to_string(seq) + " has more than T = " + std::to_string(sp.T) +
                    " tokens (T is set by sequence 0)");
      if (sp.tokens >= limits::kTokens)
        fail_at(line.number, columns_.token,
                "T (tokens per sequence) exceeds the limit of " + std::to_string(limits::kTokens));
      if (y != sp.y.back())
        fail_at(line.number, columns_.y,
                "differs from the label of sequence " + std::to_string(seq) + " on line " +
                    std::to_string(sp.first_line) + " (one label per sequence)");
      if (cross)
        for (std::size_t k = 0; k < columns_.z.size(); ++k)
          if (number(line, columns_.z[k]) != sp.Z[(sp.n - 1) * columns_.z.size() + k])
            fail_at(line.number, columns_.z[k],
                    "differs from the query of sequence " + std::to_string(seq) + " on line " +
                        std::to_string(sp.first_line) + " (one query z per sequence)");
    } else if (seq == sp.n) {  // a new sequence
      if (sp.n > 0) end_sequence(sp);
      if (token != 0)
        fail_at(line.number, columns_.token,
                "sequence " + std::to_string(seq) + " must start with token 0, got " + std::to_string(token));
      if (sp.n >= limits::kSequences)
        fail_at(line.number, columns_.seq, "n (sequences) exceeds the limit of " + std::to_string(limits::kSequences));
      ++sp.n;
      sp.tokens = 0;
      sp.first_line = line.number;
      sp.y.push_back(y);
      if (cross)
        for (int cell : columns_.z) sp.Z.push_back(number(line, cell));
    } else {
      fail_at(line.number, columns_.seq,
              "expected sequence " + (sp.n > 0 ? std::to_string(sp.n - 1) + " or " : std::string()) +
                  std::to_string(sp.n) + ", got " + std::to_string(seq) +
                  " (sequences are numbered 0, 1, ... in order, their rows together)");
    }
    for (int cell : columns_.x) sp.X.push_back(number(line, cell));
    ++sp.tokens;
  }

  /// The current sequence ends: the first one sets T, the others must match it.
  void end_sequence(CsvSplit& sp) const {
    if (sp.T == 0) sp.T = sp.tokens;
    if (sp.tokens != sp.T)
      fail_at(sp.first_line, columns_.seq,
              "sequence " + std::to_string(sp.n - 1) + " has " + std::to_string(sp.tokens) +
                  " tokens, sequence 0 has T = " + std::to_string(sp.T) + " (every sequence has T tokens)");
  }

  void decoder_row(const CsvLine& line) {
    if (!v_.empty())
      fail_at(line.number, columns_.seq,
              "a second decoder row \"v\" (the first is on line " + std::to_string(v_line_) + ")");
    for (int cell : {columns_.token, columns_.y})
      if (!cells_[cell].empty()) fail_at(line.number, cell, "must be empty on the decoder row \"v\"");
    for (int cell : columns_.z)
      if (!cells_[cell].empty()) fail_at(line.number, cell, "must be empty on the decoder row \"v\"");
    for (int cell : columns_.x) v_.push_back(number(line, cell));
    v_line_ = line.number;
  }

  Sequences finish(CsvSplit& sp, const char* split, const std::string& suffix) {
    if (sp.n == 0) fail(where_, std::string("has no ") + split + " rows");
    end_sequence(sp);
    Sequences s;
    s.n = static_cast<int>(sp.n);
    s.T = static_cast<int>(sp.T);
    s.d = static_cast<int>(columns_.x.size());
    check_size(s.n, s.T, s.d, 0, where_ + ".X" + suffix);  // (every row fits the entries' limit already)
    s.X = Eigen::Map<RowMatrix>(sp.X.data(), static_cast<Eigen::Index>(s.n) * s.T, s.d);
    s.y = Eigen::Map<Eigen::VectorXd>(sp.y.data(), s.n);
    if (query_ == QueryMode::Cross) {
      s.Z = Eigen::Map<RowMatrix>(sp.Z.data(), s.n, s.d);
    } else {
      s.Z.resize(s.n, s.d);
      for (int i = 0; i < s.n; ++i) s.Z.row(i) = s.X.row(static_cast<Eigen::Index>(i) * s.T);
    }
    return s;
  }

  std::string where_;
  QueryMode query_;
  CsvColumns columns_;
  std::vector<std::string_view> cells_;
  CsvSplit train_, test_;
  std::vector<double> v_;
  std::size_t v_line_ = 0;
};

/// Appends ",x" with x printed to round-trip exactly (%.17g).
void csv_cell(std::string& out, double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ",%.17g", x);
  out += buf;
}

void csv_rows(std::string& out, const Sequences& s, bool cross, const char* split) {
  for (int i = 0; i < s.n; ++i)
    for (int t = 0; t < s.T; ++t) {
      out += std::to_string(i);
      out += ',';
      out += std::to_string(t);
      csv_cell(out, s.y(i));
      for (int k = 0; k < s.d; ++k) csv_cell(out, s.X(static_cast<Eigen::Index>(i) * s.T + t, k));
      if (cross)
        for (int k = 0; k < s.d; ++k) csv_cell(out, s.Z(i, k));
      if (split) (out += ',') += split;
      out += '\n';
    }
}

}  // namespace

const char* name(DatasetFormat format) {
  switch (format) {
    case DatasetFormat::Json: return "json";
    case DatasetFormat::Csv: return "csv";
    case DatasetFormat::Auto: break;
  }
  return "auto";
}

DatasetFormat format_of_path(const std::string& path) {
  std::string lower = path;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto ends = [&](const char* ext) {
    std::string e = ext;
    return lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".csv")) return DatasetFormat::Csv;
  if (ends(".json")) return DatasetFormat::Json;
  return DatasetFormat::Auto;
}

Dataset read_dataset(const std::string& text, DatasetFormat format, QueryMode query, const std::string& where) {
  if (format == DatasetFormat::Auto) {
    std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) fail(where, "is empty");
    format = text[first] == '{' ? DatasetFormat::Json : DatasetFormat::Csv;
  }
  if (format == DatasetFormat::Csv) return dataset_from_csv(text, query, where);
  return dataset_from_json(parse_json(text, where), query, where);
}

Dataset read_dataset_file(const std::string& path, QueryMode query) {
  return read_dataset(read_text_file(path), format_of_path(path), query, path);
}

Dataset dataset_from_csv(const std::string& text, QueryMode query, const std::string& where) {
  return CsvReader(where, query).read(text);
}

std::string to_csv(const Dataset& data) {
  const bool cross = data.query == QueryMode::Cross;
  const int d = data.train.d;
  std::string out = "seq,token,y";
  for (int k = 1; k <= d; ++k) (out += ",x") += std::to_string(k);
  if (cross)
    for (int k = 1; k <= d; ++k) (out += ",z") += std::to_string(k);
  if (data.test) out += ",split";
  out += '\n';
  csv_rows(out, data.train, cross, data.test ? "train" : nullptr);
  if (data.test) csv_rows(out, *data.test, cross, "test");
  if (data.v) {
    out += "v,,";
    for (int k = 0; k < d; ++k) csv_cell(out, (*data.v)(k));
    if (cross) out.append(static_cast<std::size_t>(d), ',');
    if (data.test) out += ',';
    out += '\n';
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
