#include "config.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "errors.hpp"

namespace attnsvm {
namespace {

// Size limits, checked before anything is allocated (n·T·d doubles must fit comfortably in wasm).
// 64-bit throughout: `long` is 32 bits on wasm32, and the seeds go up to 2^53.
constexpr std::int64_t kMaxSequences = 100000;
constexpr std::int64_t kMaxTokens = 4096;
constexpr std::int64_t kMaxDim = 1024;
constexpr std::int64_t kMaxEntries = 10'000'000;  // n·T·d
constexpr std::int64_t kMaxSeed = std::int64_t{1} << 53;
constexpr int kMaxHeads = 64;

template <typename E>
struct Choice {
  const char* text;
  E value;
};

std::string quoted_list(const auto& choices) {
  std::string out;
  for (const auto& c : choices) out += (out.empty() ? "" : ", ") + std::string("\"") + c.text + "\"";
  return out;
}

/// One JSON object at a dotted path: typed reads with range checks, and a check for unknown fields.
class Fields {
 public:
  Fields(const Json& json, std::string path) : json_(json), path_(std::move(path)) {
    if (!json_.is_object()) fail(path_.empty() ? "config" : path_, "must be a JSON object");
  }

  [[noreturn]] static void fail(const std::string& field, const std::string& message) {
    throw InputError(field + ": " + message);
  }

  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  const Json* find(const std::string& key) {
    seen_.insert(key);
    auto it = json_.find(key);
    return it == json_.end() || it->is_null() ? nullptr : &*it;
  }

  double number(const std::string& key, double value, double lo, double hi, bool lo_open = false) {
    if (const Json* j = find(key)) {
      if (!j->is_number()) fail(field(key), "must be a number, got " + j->dump());
      value = j->get<double>();
      if (!std::isfinite(value)) fail(field(key), "must be finite");
      bool below = lo_open ? value <= lo : value < lo;
      if (below || value > hi) {
        std::ostringstream s;
        s << "must be " << (lo_open ? "> " : ">= ") << lo << " and <= " << hi << ", got " << value;
        fail(field(key), s.str());
      }
    }
    return value;
  }

  std::int64_t integer(const std::string& key, std::int64_t value, std::int64_t lo, std::int64_t hi) {
    if (const Json* j = find(key)) {
      if (!j->is_number_integer() && !(j->is_number_float() && j->get<double>() == std::floor(j->get<double>())))
        fail(field(key), "must be an integer, got " + j->dump());
      double v = j->get<double>();
      if (v < static_cast<double>(lo) || v > static_cast<double>(hi))
        fail(field(key), "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + j->dump());
      value = static_cast<std::int64_t>(v);
    }
    return value;
  }

  bool boolean(const std::string& key, bool value) {
    if (const Json* j = find(key)) {
      if (!j->is_boolean()) fail(field(key), "must be true or false, got " + j->dump());
      value = j->get<bool>();
    }
    return value;
  }

  std::string string(const std::string& key, std::string value) {
    if (const Json* j = find(key)) {
      if (!j->is_string()) fail(field(key), "must be a string, got " + j->dump());
      value = j->get<std::string>();
    }
    return value;
  }

  template <typename E, std::size_t N>
  E choice(const std::string& key, E value, const Choice<E> (&choices)[N]) {
    if (const Json* j = find(key)) value = choice_of(*j, field(key), choices);
    return value;
  }

  template <typename E, std::size_t N>
  static E choice_of(const Json& j, const std::string& field, const Choice<E> (&choices)[N]) {
    if (j.is_string())
      for (const auto& c : choices)
        if (j.get<std::string>() == c.text) return c.value;
    fail(field, "must be one of " + quoted_list(choices) + ", got " + j.dump());
  }

  /// Throws on any key of the object that no read asked for.
  void finish() const {
    for (auto it = json_.begin(); it != json_.end(); ++it)
      if (!seen_.count(it.key())) fail(field(it.key()), "unknown field");
  }

 private:
  const Json& json_;
  std::string path_;
  std::set<std::string> seen_;
};

const Choice<DataKind> kDataKinds[] = {{"gaussian-unit", DataKind::GaussianUnit},
                                       {"clusters", DataKind::Clusters},
                                       {"tokenized-mixture", DataKind::TokenizedMixture},
                                       {"global", DataKind::Global},
                                       {"toy", DataKind::Toy},
                                       {"fashion-mnist", DataKind::FashionMnist},
                                       {"file", DataKind::File},
                                       {"inline", DataKind::Inline}};
const Choice<QueryMode> kQueryModes[] = {{"cross", QueryMode::Cross}, {"self", QueryMode::Self}};
const Choice<Param> kParams[] = {{"W", Param::W},
                                 {"KQ", Param::KQ},
                                 {"KQ-diag", Param::KQDiag},
                                 {"prompt", Param::Prompt},
                                 {"multihead", Param::Multihead}};
const Choice<DecoderMode> kDecoders[] = {{"fixed", DecoderMode::Fixed}, {"trained", DecoderMode::Trained}};
const Choice<HeadSigns> kHeadSigns[] = {{"same", HeadSigns::Same}, {"alternating", HeadSigns::Alternating}};
const Choice<InitKind> kInits[] = {{"zero", InitKind::Zero}, {"gaussian", InitKind::Gaussian}};
const Choice<LossKind> kLosses[] = {
    {"logistic", LossKind::Logistic}, {"exponential", LossKind::Exponential}, {"linear", LossKind::Linear}};
const Choice<OptimizerKind> kOptimizers[] = {{"gd", OptimizerKind::GD},
                                             {"ngd", OptimizerKind::NGD},
                                             {"polyak", OptimizerKind::Polyak},
                                             {"md", OptimizerKind::MD},
                                             {"flow", OptimizerKind::Flow}};
const Choice<SvmNorm> kSvmNorms[] = {
    {"fro", SvmNorm::Fro}, {"nuc", SvmNorm::Nuc}, {"lp", SvmNorm::Lp}, {"l1diag", SvmNorm::L1Diag}};
const Choice<TokenRule> kTokenRules[] = {{"optimal", TokenRule::Optimal}, {"selected", TokenRule::Selected}};

template <typename E, std::size_t N>
const char* text_of(E value, const Choice<E> (&choices)[N]) {
  for (const auto& c : choices)
    if (c.value == value) return c.text;
  return "?";
}

DataConfig parse_data(const Json& json) {
  Fields f(json, "data");
  DataConfig d;
  d.kind = f.choice("kind", d.kind, kDataKinds);
  d.seed = static_cast<std::uint64_t>(f.integer("seed", 1, 0, kMaxSeed));
  d.query = f.choice("query", d.query, kQueryModes);
  d.test_n = static_cast<int>(f.integer("test_n", 0, 0, kMaxSequences));
  d.name = f.string("name", "");
  d.path = f.string("path", "");
  // "inline": the dataset's arrays stand in the data object itself.
  for (const char* key : {"X", "y", "z", "v", "X_test", "y_test", "z_test"})
    if (const Json* j = f.find(key)) d.inline_data[key] = *j;
  d.centres = static_cast<int>(f.integer("centres", d.centres, 1, 64));
  d.noise = f.number("noise", d.noise, 0.0, 10.0);
  d.snr = f.number("snr", d.snr, 0.0, 1e6, true);
  d.C = f.number("C", d.C, -1e6, 1e6);
  const bool fashion = d.kind == DataKind::FashionMnist;
  if (const Json* j = f.find("classes")) {
    if (!fashion) Fields::fail("data.classes", "only the fashion-mnist generator has classes");
    if (!j->is_array() || j->size() != 2)
      Fields::fail("data.classes", "must be two different classes 0..9 such as [0, 7], got " + j->dump());
    d.classes.clear();
    for (std::size_t i = 0; i < 2; ++i) {
      const Json& c = (*j)[i];
      if (!c.is_number_integer() || c.get<std::int64_t>() < 0 || c.get<std::int64_t>() > 9)
        Fields::fail("data.classes[" + std::to_string(i) + "]", "must be a class 0..9, got " + c.dump());
      d.classes.push_back(c.get<int>());
    }
    if (d.classes[0] == d.classes[1]) Fields::fail("data.classes", "must be two different classes, got " + j->dump());
  }
  d.grid = static_cast<int>(f.integer("grid", d.grid, 1, 28));
  if (28 % d.grid != 0)
    Fields::fail("data.grid",
                 "must divide the 28-pixel image side (1, 2, 4, 7, 14 or 28), got " + std::to_string(d.grid));
  d.positional = f.number("positional", d.positional, 0.0, 1e3);
  if (!fashion && (json.contains("grid") || json.contains("positional")))
    Fields::fail(json.contains("grid") ? "data.grid" : "data.positional", "only the fashion-mnist generator has it");
  if (fashion) {
    if (json.contains("T") && !json["T"].is_null() && json["T"] != d.grid * d.grid)
      Fields::fail("data.T", "fashion-mnist has T = grid² = " + std::to_string(d.grid * d.grid) +
                                 " patch tokens; set data.grid instead, got " + json["T"].dump());
    if (json.contains("n") && json["n"].is_number() && json["n"].get<double>() > 60000)
      Fields::fail("data.n", "Fashion-MNIST has at most 60000 training images, got " + json["n"].dump());
  }
  bool generated = d.kind == DataKind::GaussianUnit || d.kind == DataKind::Clusters ||
                   d.kind == DataKind::TokenizedMixture || d.kind == DataKind::Global;
  d.n = static_cast<int>(f.integer("n", d.n, 1, kMaxSequences));
  d.T = static_cast<int>(f.integer("T", d.T, generated ? 2 : 1, kMaxTokens));
  d.d = static_cast<int>(f.integer("d", d.d, 1, kMaxDim));
  if (fashion) {
    d.T = d.grid * d.grid;
    if ((std::int64_t{d.n} + d.test_n) * d.T * d.d > kMaxEntries)
      Fields::fail("data.n", "(n + test_n)·grid²·d = " + std::to_string((std::int64_t{d.n} + d.test_n) * d.T * d.d) +
                                 " exceeds the limit of " + std::to_string(kMaxEntries) + " token entries");
  }
  if (generated && (std::int64_t{d.n} + d.test_n) * d.T * d.d > kMaxEntries)
    Fields::fail("data.n", "(n + test_n)·T·d = " + std::to_string((std::int64_t{d.n} + d.test_n) * d.T * d.d) +
                               " exceeds the limit of " + std::to_string(kMaxEntries) + " token entries");
  if (d.kind == DataKind::Global && d.d < 2) Fields::fail("data.d", "the global generator needs d >= 2");
  if (d.kind == DataKind::Toy && d.name.empty()) Fields::fail("data.name", "a toy dataset needs a name");
  if (d.kind == DataKind::File && d.path.empty()) Fields::fail("data.path", "a file dataset needs a path");
  if (d.kind == DataKind::Inline && d.inline_data.is_null())
    Fields::fail("data.X", "an inline dataset needs its arrays X, y (and z, v) in the data object");
  if (d.kind != DataKind::Inline && !d.inline_data.is_null())
    Fields::fail("data." + d.inline_data.begin().key(), "arrays in the config need \"kind\": \"inline\"");
  f.finish();
  return d;
}

InitConfig parse_init(const Json& json) {
  Fields f(json, "model.init");
  InitConfig init;
  init.kind = f.choice("kind", init.kind, kInits);
  init.std = f.number("std", init.std, 0.0, 1e3);
  init.seed = static_cast<std::uint64_t>(f.integer("seed", 1, 0, kMaxSeed));
  f.finish();
  return init;
}

ModelConfig parse_model(const Json& json) {
  Fields f(json, "model");
  ModelConfig m;
  m.param = f.choice("param", m.param, kParams);
  m.heads = static_cast<int>(f.integer("heads", 1, 1, kMaxHeads));
  m.width = static_cast<int>(f.integer("width", 0, 0, kMaxDim));
  m.decoder = f.choice("decoder", m.decoder, kDecoders);
  m.head_signs = f.choice("head_signs", m.head_signs, kHeadSigns);
  if (const Json* j = f.find("init")) m.init = parse_init(*j);
  if (m.param != Param::Multihead && m.heads != 1)
    Fields::fail("model.heads", "only the multihead parameterisation has more than one head");
  f.finish();
  return m;
}

OptimizerConfig parse_optimizer(const Json& json) {
  Fields f(json, "optimizer");
  OptimizerConfig o;
  o.kind = f.choice("kind", o.kind, kOptimizers);
  o.lr = f.number("lr", o.lr, 0.0, 1e12, true);
  if (const Json* j = f.find("p"); j && j->is_number() && j->get<double>() <= 1.0)
    Fields::fail("optimizer.p", "must be > 1, got " + j->dump());
  o.p = f.number("p", o.p, 1.0, 100.0, true);
  o.normalized = f.boolean("normalized", o.normalized);
  o.scale = f.number("scale", o.scale, 0.0, 1e6, true);
  o.tol = f.number("tol", o.tol, 1e-14, 1e-2);
  f.finish();
  return o;
}

SvmConfig parse_svm(const Json& json) {
  Fields f(json, "svm");
  SvmConfig s;
  if (const Json* j = f.find("norms")) {
    if (!j->is_array()) Fields::fail("svm.norms", "must be an array such as [\"fro\", \"nuc\"]");
    for (std::size_t i = 0; i < j->size(); ++i) {
      SvmNorm norm = Fields::choice_of((*j)[i], "svm.norms[" + std::to_string(i) + "]", kSvmNorms);
      for (SvmNorm seen : s.norms)
        if (seen == norm) Fields::fail("svm.norms", std::string("lists \"") + name(norm) + "\" twice");
      s.norms.push_back(norm);
    }
  }
  s.p = f.number("p", s.p, 1.0, 100.0, true);
  s.tokens = f.choice("tokens", s.tokens, kTokenRules);
  f.finish();
  return s;
}

RunConfig parse_run(const Json& json) {
  Fields f(json, "run");
  RunConfig r;
  r.iterations = f.integer("iterations", r.iterations, 0, 1'000'000'000);
  r.record_every = f.integer("record_every", r.record_every, 1, 1'000'000'000);
  r.max_history = static_cast<int>(f.integer("max_history", r.max_history, 16, 1'000'000));
  f.finish();
  return r;
}

}  // namespace

Config parse_config(const Json& json) {
  Fields f(json, "");
  Config c;
  if (const Json* j = f.find("data")) c.data = parse_data(*j);
  if (const Json* j = f.find("model")) c.model = parse_model(*j);
  c.loss = f.choice("loss", c.loss, kLosses);
  if (const Json* j = f.find("optimizer")) c.optimizer = parse_optimizer(*j);
  if (const Json* j = f.find("svm")) c.svm = parse_svm(*j);
  if (const Json* j = f.find("run")) c.run = parse_run(*j);
  f.finish();

  if (c.model.width > 0 && c.model.param != Param::KQ)
    Fields::fail("model.width", "only the KQ parameterisation has a width");
  if (c.optimizer.kind == OptimizerKind::Polyak && c.loss == LossKind::Linear &&
      c.model.decoder == DecoderMode::Trained)
    Fields::fail("optimizer.kind",
                 "polyak needs the infimum of the loss; with a trained decoder the linear loss has none "
                 "(use logistic or exponential)");
  return c;
}

Config parse_config(const std::string& text) { return parse_config(parse_json(text, "config")); }

Json to_json(const Config& c) {
  Json data = {{"kind", text_of(c.data.kind, kDataKinds)},
               {"n", c.data.n},
               {"T", c.data.T},
               {"d", c.data.d},
               {"seed", c.data.seed},
               {"query", text_of(c.data.query, kQueryModes)},
               {"test_n", c.data.test_n},
               {"centres", c.data.centres},
               {"noise", c.data.noise},
               {"snr", c.data.snr},
               {"C", c.data.C}};
  if (c.data.kind == DataKind::FashionMnist) {
    data["classes"] = c.data.classes;
    data["grid"] = c.data.grid;
    data["positional"] = c.data.positional;
  }
  if (!c.data.name.empty()) data["name"] = c.data.name;
  if (!c.data.path.empty()) data["path"] = c.data.path;
  if (!c.data.inline_data.is_null()) data.update(c.data.inline_data);
  Json model = {
      {"param", text_of(c.model.param, kParams)},
      {"heads", c.model.heads},
      {"decoder", text_of(c.model.decoder, kDecoders)},
      {"head_signs", text_of(c.model.head_signs, kHeadSigns)},
      {"init", {{"kind", text_of(c.model.init.kind, kInits)}, {"std", c.model.init.std}, {"seed", c.model.init.seed}}}};
  if (c.model.width > 0) model["width"] = c.model.width;
  Json norms = Json::array();
  for (SvmNorm n : c.svm.norms) norms.push_back(name(n));
  return {
      {"data", data},
      {"model", model},
      {"loss", text_of(c.loss, kLosses)},
      {"optimizer",
       {{"kind", text_of(c.optimizer.kind, kOptimizers)},
        {"lr", c.optimizer.lr},
        {"p", c.optimizer.p},
        {"normalized", c.optimizer.normalized},
        {"scale", c.optimizer.scale},
        {"tol", c.optimizer.tol}}},
      {"svm", {{"norms", norms}, {"p", c.svm.p}, {"tokens", text_of(c.svm.tokens, kTokenRules)}}},
      {"run",
       {{"iterations", c.run.iterations}, {"record_every", c.run.record_every}, {"max_history", c.run.max_history}}}};
}

const char* name(DataKind v) { return text_of(v, kDataKinds); }
const char* name(Param v) { return text_of(v, kParams); }
const char* name(LossKind v) { return text_of(v, kLosses); }
const char* name(OptimizerKind v) { return text_of(v, kOptimizers); }
const char* name(SvmNorm v) { return text_of(v, kSvmNorms); }
const char* name(QueryMode v) { return text_of(v, kQueryModes); }

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw InputError(path + ": read error");
  return s.str();
}

Json parse_json(const std::string& text, const std::string& what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw InputError(what + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const Json::exception& e) {
    // Not a parse_error: a number out of a double's range (1e999) is out_of_range.406 (found by fuzzing).
    throw InputError(what + ": malformed JSON: " + e.what());
  }
}

}  // namespace attnsvm
