#include "config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iomanip>
#include <set>
#include <sstream>
#include <utility>

#include "errors.hpp"
#include "limits.hpp"

namespace attnsvm {
namespace {

// Size limits: those of the dataset in core/limits.hpp, and these. 64-bit throughout: `long` is 32 bits on
// wasm32, and the seeds go up to 2^53.
using limits::kDim, limits::kEntries, limits::kSequences, limits::kTokens;
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
    if (!json_.is_object()) fail(path_.empty() ? "config" : path_, "must be a JSON object, got " + json_.dump());
  }

  [[noreturn]] static void fail(const std::string& field, const std::string& message) {
    throw InputError(field + ": " + message);
  }

  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  /// The field's value, or nullptr when it is absent. null is a value like any other here: every typed
  /// read rejects it by name ("optimizer.lr: must be a number, got null"), as no field means "default" by null.
  const Json* find(const std::string& key) {
    seen_.insert(key);
    auto it = json_.find(key);
    return it == json_.end() ? nullptr : &*it;
  }

  bool has(const std::string& key) const { return json_.contains(key); }

  /// Throws on the first field present that is one of `known` but not one of `used` ("data.noise: not used
  /// by kind global"), with hint(key) in parentheses; fields that are not `known` are left to finish().
  void only(const std::vector<std::string>& known, const std::vector<std::string>& used, const std::string& user,
            const std::function<std::string(const std::string&)>& hint) const {
    auto in = [](const std::vector<std::string>& list, const std::string& key) {
      return std::find(list.begin(), list.end(), key) != list.end();
    };
    for (auto it = json_.begin(); it != json_.end(); ++it)
      if (in(known, it.key()) && !in(used, it.key())) {
        std::string more = hint(it.key());
        fail(field(it.key()), "not used by " + user + (more.empty() ? "" : " (" + more + ")"));
      }
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
const Choice<HeadSigns> kHeadSigns[] = {
    {"same", HeadSigns::Same}, {"alternating", HeadSigns::Alternating}, {"random", HeadSigns::Random}};
const Choice<HeadScale> kHeadScales[] = {{"sqrt", HeadScale::Sqrt}, {"mean", HeadScale::Mean}};
const Choice<InitKind> kInits[] = {
    {"zero", InitKind::Zero}, {"gaussian", InitKind::Gaussian}, {"pytorch", InitKind::PyTorch}};
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

// Every toy and the data fields it uses besides its name (the generators are in core/generators.cpp; the
// data test checks that each field listed here changes the toy and that the others are rejected).
const ToyFields kToys[] = {{"tfsvm-2d", true, false, false},
                           {"tfsvm-2d-planes", true, false, false},
                           {"mmts-single-global", false, false, false},
                           {"mmts-single-local", false, false, false},
                           {"mmts-multi", true, false, false},
                           {"mmts-joint", false, false, false},
                           {"mmts-joint-nontight", false, false, false},
                           {"md-joint", false, false, true},
                           {"loss-compare", false, true, false}};

const std::vector<std::string> kInlineArrays = {"X", "y", "z", "v", "X_test", "y_test", "z_test"};

/// The data fields (besides "kind") that change what the kind generates; every other data field is rejected.
std::vector<std::string> data_fields_of(DataKind kind, const ToyFields* toy) {
  std::vector<std::string> sampled = {"n", "T", "d", "seed", "query", "test_n"};
  switch (kind) {
    case DataKind::GaussianUnit:
    case DataKind::Global: return sampled;
    case DataKind::Clusters: sampled.insert(sampled.end(), {"centres", "noise"}); return sampled;
    case DataKind::TokenizedMixture: sampled.insert(sampled.end(), {"centres", "snr"}); return sampled;
    case DataKind::FashionMnist: return {"n", "test_n", "d", "seed", "query", "classes", "grid", "positional", "path"};
    case DataKind::File: return {"path", "query"};
    case DataKind::Inline: {
      std::vector<std::string> fields = kInlineArrays;
      fields.push_back("query");
      return fields;
    }
    case DataKind::Toy: {
      std::vector<std::string> fields = {"name", "query"};  // md-joint: query "self" only (checked below)
      if (toy && toy->seed) fields.push_back("seed");
      if (toy && toy->C) fields.push_back("C");
      return fields;
    }
  }
  return {};
}

/// Why a data field does nothing for a kind (the parenthesis of "data.noise: not used by kind global (...)").
std::string unused_data_hint(DataKind kind, const std::string& key) {
  if (key == "classes" || key == "grid" || key == "positional") return "only the fashion-mnist generator has it";
  if (key == "C") return "only the toy loss-compare has it";
  if (key == "name") return "only data.kind \"toy\" has a name";
  if (key == "path") return "only data.kind \"file\" and \"fashion-mnist\" read files";
  if (key == "centres") return "only the clusters and tokenized-mixture generators have centres";
  if (key == "snr") return "only the tokenized-mixture generator has snr";
  switch (kind) {
    case DataKind::Global:
      if (key == "noise") return "its tokens are exact: y_i·v and unit vectors orthogonal to v";
      break;
    case DataKind::TokenizedMixture:
      if (key == "noise") return "its token noise is 1/snr: set data.snr";
      break;
    case DataKind::FashionMnist:
      if (key == "T") return "an image has T = grid² patch tokens: set data.grid";
      break;
    case DataKind::File:
    case DataKind::Inline:
      if (key == "seed") return "nothing is drawn at random";
      if (key != "noise") return "the dataset's own arrays give its size";
      break;
    case DataKind::Toy:
      if (key == "seed") return "a fixed dataset";
      if (key != "noise") return "a fixed dataset: its size is the paper's";
      break;
    default: break;
  }
  if (key == "noise") return "only the clusters generator has noise";
  return "";
}

DataConfig parse_data(const Json& json) {
  Fields f(json, "data");
  DataConfig d;
  d.kind = f.choice("kind", d.kind, kDataKinds);
  d.name = f.string("name", "");
  const bool fashion = d.kind == DataKind::FashionMnist;
  const ToyFields* toy = nullptr;
  if (d.kind == DataKind::Toy) {
    if (d.name.empty()) Fields::fail("data.name", "a toy dataset needs a name");
    toy = toy_fields(d.name);
    if (!toy) {
      std::string list;
      for (const auto& t : kToys) list += (list.empty() ? "" : ", ") + std::string(t.name);
      Fields::fail("data.name", "unknown toy dataset \"" + d.name + "\" (known: " + list + ")");
    }
  }
  // A field the kind does not use is an error, never silently ignored.
  if (d.kind != DataKind::Inline)
    for (const auto& key : kInlineArrays)
      if (f.has(key))
        Fields::fail("data." + key, std::string("arrays in the config need \"kind\": \"inline\" (not used by kind ") +
                                        text_of(d.kind, kDataKinds) + ")");
  std::vector<std::string> known = {"name",    "path",  "n",   "T", "d",       "seed", "query",     "test_n",
                                    "centres", "noise", "snr", "C", "classes", "grid", "positional"};
  known.insert(known.end(), kInlineArrays.begin(), kInlineArrays.end());
  f.only(known, data_fields_of(d.kind, toy),
         toy ? std::string("toy ") + toy->name : std::string("kind ") + text_of(d.kind, kDataKinds),
         [&](const std::string& key) { return unused_data_hint(d.kind, key); });

  d.seed = static_cast<std::uint64_t>(f.integer("seed", 1, 0, kMaxSeed));
  d.query = f.choice("query", d.query, kQueryModes);
  if (toy && toy->self_only) {
    if (f.has("query") && d.query != QueryMode::Self)
      Fields::fail("data.query", std::string("toy ") + toy->name +
                                     " is self-attention (z_i = x_i0): omit data.query or set \"self\", got \"cross\"");
    d.query = QueryMode::Self;
  }
  d.test_n = static_cast<int>(f.integer("test_n", 0, 0, kSequences));
  d.path = f.string("path", "");
  // "inline": the dataset's arrays stand in the data object itself (other kinds were rejected above).
  for (const auto& key : kInlineArrays)
    if (const Json* j = f.find(key)) d.inline_data[key] = *j;
  d.centres = static_cast<int>(f.integer("centres", d.centres, 1, 64));
  d.noise = f.number("noise", d.noise, 0.0, 10.0);
  d.snr = f.number("snr", d.snr, 0.0, 1e6, true);
  d.C = f.number("C", d.C, -1e6, 1e6);
  if (const Json* j = f.find("classes")) {
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
  if (fashion && f.has("n") && json["n"].is_number() && json["n"].get<double>() > 60000)
    Fields::fail("data.n", "Fashion-MNIST has at most 60000 training images, got " + json["n"].dump());
  bool generated = d.kind == DataKind::GaussianUnit || d.kind == DataKind::Clusters ||
                   d.kind == DataKind::TokenizedMixture || d.kind == DataKind::Global;
  d.n = static_cast<int>(f.integer("n", d.n, 1, kSequences));
  d.T = static_cast<int>(f.integer("T", d.T, generated ? 2 : 1, kTokens));
  d.d = static_cast<int>(f.integer("d", d.d, 1, kDim));
  if (fashion) {
    d.T = d.grid * d.grid;
    if ((std::int64_t{d.n} + d.test_n) * d.T * d.d > kEntries)
      Fields::fail("data.n", "(n + test_n)·grid²·d = " + std::to_string((std::int64_t{d.n} + d.test_n) * d.T * d.d) +
                                 " exceeds the limit of " + std::to_string(kEntries) + " token entries");
  }
  if (generated && (std::int64_t{d.n} + d.test_n) * d.T * d.d > kEntries)
    Fields::fail("data.n", "(n + test_n)·T·d = " + std::to_string((std::int64_t{d.n} + d.test_n) * d.T * d.d) +
                               " exceeds the limit of " + std::to_string(kEntries) + " token entries");
  if (d.kind == DataKind::Global && d.d < 2) Fields::fail("data.d", "the global generator needs d >= 2");
  if (d.kind == DataKind::File && d.path.empty()) Fields::fail("data.path", "a file dataset needs a path");
  if (d.kind == DataKind::Inline && d.inline_data.is_null())
    Fields::fail("data.X", "an inline dataset needs its arrays X, y (and z, v) in the data object");
  f.finish();
  return d;
}

InitConfig parse_init(const Json& json, InitKind default_kind) {
  Fields f(json, "model.init");
  InitConfig init;
  init.kind = f.choice("kind", default_kind, kInits);
  if (init.kind == InitKind::Zero)
    f.only({"std", "seed"}, {}, "init kind zero", [](const std::string&) { return "the parameters start at 0"; });
  if (init.kind == InitKind::PyTorch)
    f.only({"std"}, {}, "init kind pytorch", [](const std::string&) { return "its entries are U(−1/√d, 1/√d)"; });
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
  m.width = static_cast<int>(f.integer("width", 0, 0, kDim));
  // Multihead defaults to Deora et al.'s model: every head trains its own decoder, the decoders start at
  // seeded random signs ±v, and the output is (1/√H) Σ_h (docs/design.md §2).
  if (m.param == Param::Multihead) m.decoder = DecoderMode::Trained, m.head_signs = HeadSigns::Random;
  m.decoder = f.choice("decoder", m.decoder, kDecoders);
  m.head_signs = f.choice("head_signs", m.head_signs, kHeadSigns);
  if (m.param != Param::Multihead && f.has("head_signs"))
    Fields::fail("model.head_signs", "only the multihead parameterisation has head signs");
  m.head_scale = f.choice("head_scale", m.head_scale, kHeadScales);
  if (m.param != Param::Multihead && f.has("head_scale"))
    Fields::fail("model.head_scale", "only the multihead parameterisation combines heads");
  // KQ starts as Tarzanagh et al.'s code does (nn.Linear's default); every other parameterisation N(0, 0.01²).
  m.init.kind = m.param == Param::KQ ? InitKind::PyTorch : InitKind::Gaussian;
  if (const Json* j = f.find("init")) m.init = parse_init(*j, m.init.kind);
  if (m.param != Param::Multihead && m.heads != 1)
    Fields::fail("model.heads", "only the multihead parameterisation has more than one head");
  f.finish();
  return m;
}

OptimizerConfig parse_optimizer(const Json& json) {
  Fields f(json, "optimizer");
  OptimizerConfig o;
  o.kind = f.choice("kind", o.kind, kOptimizers);
  // A field the method does not use is an error. Polyak's step is scale·(L − L*)/‖∇L‖²: it has no lr.
  std::vector<std::string> used;
  switch (o.kind) {
    case OptimizerKind::GD:
    case OptimizerKind::NGD: used = {"lr"}; break;
    case OptimizerKind::Polyak: used = {"scale", "max_step"}; break;
    case OptimizerKind::MD: used = {"lr", "p", "normalized"}; break;
    case OptimizerKind::Flow: used = {"lr", "p", "tol"}; break;
  }
  f.only({"lr", "p", "normalized", "scale", "max_step", "tol"}, used, text_of(o.kind, kOptimizers),
         [](const std::string& key) {
           if (key == "lr") return "its step is scale·(L − L*)/‖∇L‖²: set optimizer.scale";
           if (key == "p") return "only md and flow have a mirror exponent";
           if (key == "normalized") return "only md has it (flow is normalised by construction)";
           if (key == "scale") return "only polyak has a scale";
           if (key == "max_step") return "only polyak caps its step length";
           return "only flow has a tolerance";
         });
  o.lr = f.number("lr", o.lr, 0.0, 1e12, true);
  if (const Json* j = f.find("p"); j && j->is_number() && j->get<double>() <= 1.0)
    Fields::fail("optimizer.p", "must be > 1, got " + j->dump());
  o.p = f.number("p", o.p, 1.0, 100.0, true);
  o.normalized = f.boolean("normalized", o.normalized);
  o.scale = f.number("scale", o.scale, 0.0, 1e6, true);
  o.max_step = f.number("max_step", o.max_step, 0.0, 1e6, true);
  o.tol = f.number("tol", o.tol, 1e-14, 1e-2);
  f.finish();
  return o;
}

SvmConfig parse_svm(const Json& json, bool joint) {
  Fields f(json, "svm");
  SvmConfig s;
  s.joint = joint;
  if (const Json* j = f.find("norms")) {
    if (!j->is_array()) Fields::fail("svm.norms", "must be an array such as [\"fro\", \"nuc\"], got " + j->dump());
    for (std::size_t i = 0; i < j->size(); ++i) {
      SvmNorm norm = Fields::choice_of((*j)[i], "svm.norms[" + std::to_string(i) + "]", kSvmNorms);
      for (SvmNorm seen : s.norms)
        if (seen == norm) Fields::fail("svm.norms", std::string("lists \"") + name(norm) + "\" twice");
      s.norms.push_back(norm);
    }
  }
  if (const Json* j = f.find("p"); j && j->is_array()) {
    // A list of exponents: one ℓp reference each (docs/design.md §9.1).
    if (j->empty()) Fields::fail("svm.p", "must be a number > 1 or a non-empty array of them, got []");
    s.ps.clear();
    for (std::size_t i = 0; i < j->size(); ++i) {
      const std::string field = "svm.p[" + std::to_string(i) + "]";
      const Json& x = (*j)[i];
      if (!x.is_number()) Fields::fail(field, "must be a number, got " + x.dump());
      const double p = x.get<double>();
      if (!(p > 1.0 && p <= 100.0)) Fields::fail(field, "must be > 1 and <= 100, got " + x.dump());
      for (double seen : s.ps)
        if (seen == p) Fields::fail("svm.p", "lists " + (*j)[i].dump() + " twice");
      s.ps.push_back(p);
    }
    s.p = s.ps.front();
  } else {
    s.p = f.number("p", s.p, 1.0, 100.0, true);
    s.ps = {s.p};
  }
  s.tokens = f.choice("tokens", s.tokens, kTokenRules);
  s.joint = f.boolean("joint", s.joint);
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

const ToyFields* toy_fields(const std::string& name) {
  for (const auto& t : kToys)
    if (name == t.name) return &t;
  return nullptr;
}

Config parse_config(const Json& json) {
  Fields f(json, "");
  Config c;
  if (const Json* j = f.find("data")) c.data = parse_data(*j);
  if (const Json* j = f.find("model")) c.model = parse_model(*j);
  c.loss = f.choice("loss", c.loss, kLosses);
  if (const Json* j = f.find("optimizer")) c.optimizer = parse_optimizer(*j);
  // The relaxed joint SVM is what joint training converges to (docs/design.md §5): the default with a
  // trained decoder.
  c.svm.joint = c.model.decoder == DecoderMode::Trained;
  if (const Json* j = f.find("svm")) c.svm = parse_svm(*j, c.svm.joint);
  if (const Json* j = f.find("run")) c.run = parse_run(*j);
  f.finish();

  if (c.model.width > 0 && c.model.param != Param::KQ)
    Fields::fail("model.width", "only the KQ parameterisation has a width");
  if (c.optimizer.kind == OptimizerKind::Polyak && c.loss == LossKind::Linear &&
      c.model.decoder == DecoderMode::Trained)
    Fields::fail("optimizer.kind",
                 "polyak needs the infimum of the loss; with a trained decoder the linear loss has none "
                 "(use logistic or exponential)");
  if (c.svm.joint && c.model.decoder != DecoderMode::Trained)
    Fields::fail("svm.joint", "the relaxed joint SVM describes joint training: it needs model.decoder \"trained\"");
  return c;
}

Config parse_config(const std::string& text) { return parse_config(parse_json(text, "config")); }

Json to_json(const Config& c) {
  // Only the fields the setting uses: what parse_config accepts back.
  const DataConfig& dc = c.data;
  Json data = {{"kind", text_of(dc.kind, kDataKinds)}};
  for (const std::string& key : data_fields_of(dc.kind, toy_fields(dc.name))) {
    if (key == "n") data[key] = dc.n;
    if (key == "T") data[key] = dc.T;
    if (key == "d") data[key] = dc.d;
    if (key == "seed") data[key] = dc.seed;
    if (key == "query") data[key] = text_of(dc.query, kQueryModes);
    if (key == "test_n") data[key] = dc.test_n;
    if (key == "centres") data[key] = dc.centres;
    if (key == "noise") data[key] = dc.noise;
    if (key == "snr") data[key] = dc.snr;
    if (key == "C") data[key] = dc.C;
    if (key == "name") data[key] = dc.name;
    if (key == "classes") data[key] = dc.classes;
    if (key == "grid") data[key] = dc.grid;
    if (key == "positional") data[key] = dc.positional;
    if (key == "path" && !dc.path.empty()) data[key] = dc.path;
  }
  if (!dc.inline_data.is_null()) data.update(dc.inline_data);
  Json init = {{"kind", text_of(c.model.init.kind, kInits)}};
  if (c.model.init.kind == InitKind::Gaussian) init["std"] = c.model.init.std;
  if (c.model.init.kind != InitKind::Zero) init["seed"] = c.model.init.seed;
  Json model = {{"param", text_of(c.model.param, kParams)}, {"decoder", text_of(c.model.decoder, kDecoders)}};
  if (c.model.param == Param::Multihead) {
    model["heads"] = c.model.heads;
    model["head_signs"] = text_of(c.model.head_signs, kHeadSigns);
    model["head_scale"] = text_of(c.model.head_scale, kHeadScales);
  }
  model["init"] = init;
  if (c.model.width > 0) model["width"] = c.model.width;
  const OptimizerConfig& o = c.optimizer;
  Json optimizer = {{"kind", text_of(o.kind, kOptimizers)}};
  if (o.kind != OptimizerKind::Polyak) optimizer["lr"] = o.lr;
  if (o.kind == OptimizerKind::MD || o.kind == OptimizerKind::Flow) optimizer["p"] = o.p;
  if (o.kind == OptimizerKind::MD) optimizer["normalized"] = o.normalized;
  if (o.kind == OptimizerKind::Polyak) optimizer["scale"] = o.scale, optimizer["max_step"] = o.max_step;
  if (o.kind == OptimizerKind::Flow) optimizer["tol"] = o.tol;
  Json norms = Json::array();
  for (SvmNorm n : c.svm.norms) norms.push_back(name(n));
  return {
      {"data", data},
      {"model", model},
      {"loss", text_of(c.loss, kLosses)},
      {"optimizer", optimizer},
      {"svm",
       {{"norms", norms},
        {"p", c.svm.ps.size() > 1 ? Json(c.svm.ps) : Json(c.svm.p)},
        {"tokens", text_of(c.svm.tokens, kTokenRules)},
        {"joint", c.svm.joint}}},
      {"run",
       {{"iterations", c.run.iterations}, {"record_every", c.run.record_every}, {"max_history", c.run.max_history}}}};
}

const char* name(DataKind v) { return text_of(v, kDataKinds); }
const char* name(Param v) { return text_of(v, kParams); }
const char* name(LossKind v) { return text_of(v, kLosses); }
const char* name(OptimizerKind v) { return text_of(v, kOptimizers); }
const char* name(SvmNorm v) { return text_of(v, kSvmNorms); }
std::string reference_suffix(SvmNorm norm, double p, const SvmConfig& svm) {
  if (norm != SvmNorm::Lp || svm.ps.size() < 2) return name(norm);
  // the shortest decimal form that reads back as p (1.75, 3): distinct exponents get distinct names
  std::string text;
  for (int digits = 1; digits <= 17; ++digits) {
    std::ostringstream s;
    s << std::setprecision(digits) << p;
    text = s.str();
    if (std::stod(text) == p) break;
  }
  return "lp" + text;
}
SvmNorm svm_norm_of(const Json& text, const std::string& field) { return Fields::choice_of(text, field, kSvmNorms); }
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
