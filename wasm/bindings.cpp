// embind bindings of the core (docs/design.md §7): the Session, SVM solves and array conversion, nothing else.
// Every bound call catches the core's exceptions and parks them in `last_error`; the JS wrapper
// (index.mjs) turns them into JS Errors, so no exception or JS throw ever crosses a C++ frame.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <Eigen/Dense>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

// The same packet arithmetic as the native x86-64 build (wasm/CMakeLists.txt), hence the same bits.
#ifndef EIGEN_VECTORIZE_SSE2
#error "the wasm build expects Eigen's SSE2 path on Emscripten's SSE2 emulation (see wasm/CMakeLists.txt)"
#endif

#include "config.hpp"
#include "dataset.hpp"
#include "ensemble.hpp"
#include "errors.hpp"
#include "fashion.hpp"
#include "idx.hpp"
#include "metrics.hpp"
#include "session.hpp"
#include "svm.hpp"

namespace attnsvm::wasm {
namespace {

using emscripten::val;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// --- errors -----------------------------------------------------------------------------------------

/// The error of the last failed call, read (and cleared) by takeError().
struct LastError {
  bool set = false;
  std::string kind;  ///< "input" | "diverged" | "internal"
  std::string message;
  long step = 0;  ///< diverged: the step that failed
} last_error;

void fail(std::string kind, std::string message, long step = 0) {
  last_error = {true, std::move(kind), std::move(message), step};
}

/// Runs `body`, storing any exception in last_error; returns `fallback` then.
template <typename R, typename F>
R guarded(F&& body, R fallback) {
  try {
    return body();
  } catch (const DivergedError& e) {
    fail("diverged", e.what(), e.step);
  } catch (const InputError& e) {
    fail("input", e.what());
  } catch (const std::bad_alloc&) {
    fail("internal", "out of memory (the WebAssembly heap is limited; try a smaller dataset)");
  } catch (const std::exception& e) {
    fail("internal", std::string("internal error: ") + e.what());
  }
  return fallback;
}

val take_error() {
  if (!last_error.set) return val::null();
  val e = val::object();
  e.set("kind", last_error.kind);
  e.set("message", last_error.message);
  if (last_error.kind == "diverged") e.set("step", static_cast<double>(last_error.step));
  last_error = {};
  return e;
}

// --- array conversion: always copies, so no view into wasm memory outlives the call -----------------

val f64(const double* data, std::size_t n) {
  static const val Float64Array = val::global("Float64Array");
  return Float64Array.new_(emscripten::typed_memory_view(n, data));
}

val i32(const int* data, std::size_t n) {
  static const val Int32Array = val::global("Int32Array");
  return Int32Array.new_(emscripten::typed_memory_view(n, data));
}

val vector(const Eigen::VectorXd& v) { return f64(v.data(), static_cast<std::size_t>(v.size())); }
val vector(const Eigen::VectorXi& v) { return i32(v.data(), static_cast<std::size_t>(v.size())); }
val vector(const std::vector<int>& v) { return i32(v.data(), v.size()); }

/// {rows, cols, data}: data row-major, entry (r, c) at r·cols + c.
val matrix(const Eigen::MatrixXd& M) {
  RowMajor R = M;
  val m = val::object();
  m.set("rows", static_cast<int>(R.rows()));
  m.set("cols", static_cast<int>(R.cols()));
  m.set("data", f64(R.data(), static_cast<std::size_t>(R.size())));
  return m;
}

template <typename T, typename F>
val array_of(const std::vector<T>& items, F&& convert) {
  val out = val::array();
  for (std::size_t k = 0; k < items.size(); ++k) out.set(k, convert(items[k]));
  return out;
}

val json_value(const Json& j) { return val::global("JSON").call<val>("parse", j.dump()); }

/// An SVM solution with its certificate.
val solution(const SvmSolution& s, const std::string& norm, int head) {
  val o = val::object();
  o.set("norm", norm);
  o.set("head", head);
  o.set("p", s.p);
  o.set("status", std::string(name(s.status)));
  o.set("reason", s.reason);
  o.set("W", s.W.size() ? matrix(s.W) : val::null());
  o.set("normValue", s.norm);
  o.set("margin", s.margin);
  o.set("gap", s.gap);
  o.set("violation", s.violation);
  o.set("lambda", vector(s.lambda));
  o.set("support", vector(s.support));
  o.set("alpha", vector(s.alpha));
  std::vector<int> sequence, token;
  std::vector<double> bound;
  for (const auto& c : s.constraints)
    sequence.push_back(c.sequence), token.push_back(c.token), bound.push_back(c.bound);
  val constraints = val::object();
  constraints.set("sequence", vector(sequence));
  constraints.set("token", vector(token));
  constraints.set("bound", f64(bound.data(), bound.size()));
  o.set("constraints", constraints);
  o.set("iterations", s.iterations);
  return o;
}

val local_optimality_value(const LocalOptimality& l) {
  val o = val::object();
  o.set("feasible", l.feasible);
  o.set("locallyOptimal", l.locally_optimal);
  o.set("explanation", l.explanation);
  return o;
}

/// History as columns: {"step": Float64Array, <metric>: Float64Array, ...}.
val history_columns(const Session& session) {
  const auto& rows = session.history();
  const auto& names = session.metric_names();
  std::vector<double> column(rows.size());
  val out = val::object();
  for (std::size_t r = 0; r < rows.size(); ++r) column[r] = static_cast<double>(rows[r].step);
  out.set("step", f64(column.data(), column.size()));
  for (std::size_t c = 0; c < names.size(); ++c) {
    for (std::size_t r = 0; r < rows.size(); ++r) column[r] = rows[r].values[c];
    out.set(names[c], f64(column.data(), column.size()));
  }
  return out;
}

SvmNorm svm_norm_of(const std::string& text) {
  for (SvmNorm norm : {SvmNorm::Fro, SvmNorm::Nuc, SvmNorm::Lp, SvmNorm::L1Diag})
    if (text == name(norm)) return norm;
  throw InputError("norm: must be one of \"fro\", \"nuc\", \"lp\", \"l1diag\", \"decoder\", got \"" + text + "\"");
}

// --- the session ------------------------------------------------------------------------------------

class WasmSession {
 public:
  /// On an invalid config the object is created empty and the error parked for the wrapper.
  /// defer_references: the SVM references wait for solve_references() or the first step (core/session.hpp).
  WasmSession(const std::string& config_json, bool defer_references) {
    guarded(
        [&] {
          Config config = parse_config(config_json);
          // The module is built without a file system (FILESYSTEM=0).
          if (config.data.kind == DataKind::File)
            throw InputError(
                "data.kind: \"file\" reads a dataset file, which the WebAssembly engine cannot; load the file and "
                "pass its arrays with \"kind\": \"inline\"");
          return session_ = std::make_unique<Session>(
                     config, defer_references ? ReferenceSolving::Deferred : ReferenceSolving::AtConstruction),
                 true;
        },
        false);
  }

  void step(double k) {
    guarded([&] { return live().step(static_cast<long>(k)), true; }, false);
  }

  void solve_references() {
    guarded([&] { return live().solve_references(), true; }, false);
  }

  bool references_deferred() const { return session_ && session_->references_deferred(); }

  double iteration() const { return session_ ? static_cast<double>(session_->iteration()) : 0.0; }

  val snapshot(bool with_history) {
    return guarded(
        [&] {
          Session& s = live();
          Snapshot snap = s.snapshot();
          const Sequences& train = s.dataset().train;
          val o = val::object();
          o.set("step", static_cast<double>(snap.step));
          o.set("heads", static_cast<int>(snap.W.size()));
          o.set("n", train.n);
          o.set("T", train.T);
          o.set("d", train.d);
          val columns = val::array(), metrics = val::object();
          for (std::size_t c = 0; c < snap.columns.size(); ++c) {
            columns.set(c, snap.columns[c]);
            metrics.set(snap.columns[c], snap.metrics[c]);
          }
          o.set("columns", columns);
          o.set("metrics", metrics);
          auto mat = [](const Eigen::MatrixXd& M) { return matrix(M); };
          auto vec = [](const auto& v) { return vector(v); };
          o.set("attention", array_of(snap.attention, mat));
          o.set("log1mAttention", array_of(snap.log1m_attention, mat));
          o.set("selected", array_of(snap.selected, vec));
          o.set("optimal", array_of(snap.optimal, vec));
          o.set("W", array_of(snap.W, mat));
          o.set("singularValues", array_of(snap.singular_values, vec));
          o.set("decoders", array_of(snap.decoders, vec));
          o.set("references", array_of(snap.references, [&](const SvmReference& r) {
                  val ref = solution(r.solution, name(r.norm), r.head);
                  ref.set("localOptimality",
                          local_optimality_value(local_optimality(train, r.solution, snap.decoders.at(r.head))));
                  return ref;
                }));
          o.set("history", with_history ? history_columns(s) : val::null());
          return o;
        },
        val::undefined());
  }

  /// norm: fro | nuc | lp | l1diag | decoder; tokens: optimal | selected | explicit (then `alpha`);
  /// tol, max_iterations: the solver's budget (≤ 0: the core's defaults, as the CLI uses).
  val solve_svm(const std::string& norm, double p, const std::string& tokens, const val& alpha, int head, bool joint,
                double tol, int max_iterations) {
    return guarded(
        [&] {
          Session& s = live();
          const Model& model = s.model();
          const Sequences& train = s.dataset().train;
          if (head < 0 || head >= model.heads())
            throw InputError("head: must be between 0 and " + std::to_string(model.heads() - 1) + ", got " +
                             std::to_string(head));
          Eigen::VectorXd v = model.decoder(s.params(), head);
          Eigen::VectorXi a;
          if (tokens == "optimal") {
            a = optimal_tokens(train, v);
          } else if (tokens == "selected") {
            a = selected_tokens(model.scores(s.params(), train, head));
          } else if (tokens == "explicit") {
            const int n = alpha["length"].as<int>();
            if (n != train.n)
              throw InputError("tokens: has " + std::to_string(n) + " entries for " + std::to_string(train.n) +
                               " sequences");
            a.resize(n);
            for (int i = 0; i < n; ++i) a(i) = alpha[i].as<int>();
          } else {
            throw InputError("tokens: must be \"optimal\", \"selected\" or an array of token indices, got \"" + tokens +
                             "\"");
          }
          SvmOptions options;
          if (tol > 0) options.tol = tol;
          if (max_iterations > 0) options.max_iterations = max_iterations;
          SvmSolution sol;
          if (norm == "decoder") {
            sol = decoder_svm(train, a, p, options);
          } else {
            SvmNorm kind = svm_norm_of(norm);
            if (model.param() == Param::Prompt)
              sol = prompt_svm(train, a, kind, p, options);
            else if (joint)
              sol = joint_att_svm(train, a, decoder_svm(train, a, 2.0, options), kind, p, options);
            else
              sol = att_svm(train, a, kind, p, options);
          }
          val out = solution(sol, norm, head);
          out.set("localOptimality", local_optimality_value(local_optimality(train, sol, v)));
          return out;
        },
        val::undefined());
  }

  std::string dataset_json() const {
    return guarded([&] { return to_json(live().dataset()).dump(); }, std::string());
  }

  std::string config_json() const {
    return guarded([&] { return to_json(live().config()).dump(); }, std::string());
  }

  std::string params_json() const {
    return guarded([&] { return live().params_json().dump(); }, std::string());
  }

  void set_params(const std::string& json) {
    guarded(
        [&] {
          Session& s = live();
          return s.set_params(s.params_from_json(parse_json(json, "params"))), true;
        },
        false);
  }

  void set_lr(double lr) {
    guarded([&] { return live().set_lr(lr), true; }, false);
  }

  val metric_names() const {
    return guarded([&] { return array_of(live().metric_names(), [](const std::string& c) { return val(c); }); },
                   val::undefined());
  }

  val history() const {
    return guarded([&] { return history_columns(live()); }, val::undefined());
  }

  /// fashion-mnist only: the images behind the sequences, {train, test} each {count, rows, cols, pixels
  /// (Uint8Array, count·rows·cols), labels (Int32Array)}, in dataset order; null for other data kinds.
  val images() const {
    return guarded(
        [&] {
          const Config& c = live().config();
          if (c.data.kind != DataKind::FashionMnist) return val::null();
          FashionImages fi = fashion_images(c.data);
          static const val Uint8Array = val::global("Uint8Array");
          auto pack = [](const LabelledImages& im) {
            val o = val::object();
            o.set("count", im.count());
            o.set("rows", im.rows);
            o.set("cols", im.cols);
            o.set("pixels", Uint8Array.new_(emscripten::typed_memory_view(im.pixels.size(), im.pixels.data())));
            o.set("labels", vector(im.labels));
            return o;
          };
          val o = val::object();
          o.set("train", pack(fi.train));
          o.set("test", fi.test.count() ? pack(fi.test) : val::null());
          return o;
        },
        val::undefined());
  }

  /// Per head: the n_test×T attention probabilities on the test sequences; null without a test split.
  val test_attention() const {
    return guarded(
        [&] {
          const Session& s = live();
          if (!s.dataset().test) return val::null();
          const Sequences& test = *s.dataset().test;
          val out = val::array();
          for (int h = 0; h < s.model().heads(); ++h) {
            out.set(h, matrix(row_softmax(s.model().scores(s.params(), test, h))));
          }
          return out;
        },
        val::undefined());
  }

  /// The model's outputs f_i on the test sequences (their signs give test_acc); null without a test split.
  val test_outputs() const {
    return guarded(
        [&] {
          const Session& s = live();
          if (!s.dataset().test) return val::null();
          return vector(s.model().outputs(s.params(), *s.dataset().test));
        },
        val::undefined());
  }

 private:
  Session& live() const {
    if (!session_) throw InputError("session: not created (its config was invalid)");
    return *session_;
  }

  std::unique_ptr<Session> session_;
};

// --- the ensemble: one setting over many seeds (core/ensemble.hpp) ----------------------------------

class WasmEnsemble {
 public:
  /// On an invalid config or size the object is created empty and the error parked for the wrapper.
  WasmEnsemble(const std::string& config_json, int members, double iterations, int points) {
    guarded(
        [&] {
          Config config = parse_config(config_json);
          ensemble_ = std::make_unique<Ensemble>(config, members, static_cast<long>(iterations), points);
          return true;
        },
        false);
  }

  /// Runs at most `budget` iterations; true once every member is done.
  bool advance(double budget) {
    return guarded([&] { return live().advance(static_cast<long>(budget)); }, false);
  }

  /// {members, done, steps, columns, mean: {column: Float64Array}, std: {...}, count: {column: Int32Array},
  /// failures: [string]}.
  val summary() const {
    return guarded(
        [&] {
          const EnsembleSummary& e = live().summary();
          val o = val::object();
          o.set("members", e.members);
          o.set("done", e.done);
          std::vector<double> steps(e.steps.begin(), e.steps.end());
          o.set("steps", f64(steps.data(), steps.size()));
          val columns = val::array(), mean = val::object(), sd = val::object(), count = val::object();
          for (std::size_t c = 0; c < e.columns.size(); ++c) {
            columns.set(c, e.columns[c]);
            mean.set(e.columns[c], f64(e.mean[c].data(), e.mean[c].size()));
            sd.set(e.columns[c], f64(e.std[c].data(), e.std[c].size()));
            count.set(e.columns[c], vector(e.count[c]));
          }
          o.set("columns", columns);
          o.set("mean", mean);
          o.set("std", sd);
          o.set("count", count);
          o.set("failures", array_of(e.failures, [](const std::string& s) { return val(s); }));
          return o;
        },
        val::undefined());
  }

 private:
  Ensemble& live() const {
    if (!ensemble_) throw InputError("ensemble: not created (its config was invalid)");
    return *ensemble_;
  }

  std::unique_ptr<Ensemble> ensemble_;
};

// --- module-level functions -------------------------------------------------------------------------

/// The config normalised (defaults filled in), or undefined with the error parked.
val normalize_config(const std::string& config_json) {
  return guarded([&] { return json_value(to_json(parse_config(config_json))); }, val::undefined());
}

/// A dataset file's text (format "json" | "csv" | "auto"; query "cross" | "self") read and validated by
/// the core exactly as the CLI reads a file, as the dataset JSON object; undefined with the error parked.
val parse_dataset(const std::string& text, const std::string& format, const std::string& query) {
  return guarded(
      [&] {
        DatasetFormat f = DatasetFormat::Auto;
        if (format == "json")
          f = DatasetFormat::Json;
        else if (format == "csv")
          f = DatasetFormat::Csv;
        else if (format != "auto")
          throw InputError("format: must be \"json\", \"csv\" or \"auto\", got \"" + format + "\"");
        if (query != "cross" && query != "self")
          throw InputError("query: must be \"cross\" or \"self\", got \"" + query + "\"");
        return json_value(to_json(read_dataset(text, f, query == "self" ? QueryMode::Self : QueryMode::Cross)));
      },
      val::undefined());
}

val toy_dataset_names() {
  return array_of(toy_names(), [](const std::string& s) { return val(s); });
}

/// Stores image bytes (an IDX file, as a Uint8Array) under `name` in the core's registry, where the
/// fashion-mnist generator looks before the (absent) file system; validates them as IDX first.
bool register_images(const std::string& name, const std::string& bytes) {
  return guarded(
      [&] {
        if (name.empty())
          throw InputError("registerImages: needs a name such as \"fashion-mnist/" + std::string(kFashionFiles[0]) +
                           "\"");
        std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
        read_idx(data, name);
        register_file(name, std::move(data));
        return true;
      },
      false);
}

/// Heap size and bytes in use by malloc, for leak tests.
val heap_stats() {
  struct mallinfo info = mallinfo();
  val o = val::object();
  o.set("heapBytes", static_cast<double>(emscripten_get_heap_size()));
  o.set("allocatedBytes", static_cast<double>(info.uordblks));
  o.set("freeBytes", static_cast<double>(info.fordblks));
  return o;
}

}  // namespace
}  // namespace attnsvm::wasm

EMSCRIPTEN_BINDINGS(attnsvm) {
  using namespace emscripten;
  using attnsvm::wasm::WasmSession;
  class_<WasmSession>("NativeSession")
      .constructor<const std::string&, bool>()
      .function("step", &WasmSession::step)
      .function("solveReferences", &WasmSession::solve_references)
      .function("referencesDeferred", &WasmSession::references_deferred)
      .function("iteration", &WasmSession::iteration)
      .function("snapshot", &WasmSession::snapshot)
      .function("solveSvm", &WasmSession::solve_svm)
      .function("datasetJson", &WasmSession::dataset_json)
      .function("configJson", &WasmSession::config_json)
      .function("paramsJson", &WasmSession::params_json)
      .function("setParams", &WasmSession::set_params)
      .function("setLr", &WasmSession::set_lr)
      .function("metricNames", &WasmSession::metric_names)
      .function("history", &WasmSession::history)
      .function("images", &WasmSession::images)
      .function("testAttention", &WasmSession::test_attention)
      .function("testOutputs", &WasmSession::test_outputs);
  class_<attnsvm::wasm::WasmEnsemble>("NativeEnsemble")
      .constructor<const std::string&, int, double, int>()
      .function("advance", &attnsvm::wasm::WasmEnsemble::advance)
      .function("summary", &attnsvm::wasm::WasmEnsemble::summary);
  function("takeError", &attnsvm::wasm::take_error);
  function("normalizeConfig", &attnsvm::wasm::normalize_config);
  function("parseDataset", &attnsvm::wasm::parse_dataset);
  function("toyNames", &attnsvm::wasm::toy_dataset_names);
  function("heapStats", &attnsvm::wasm::heap_stats);
  function("registerImages", &attnsvm::wasm::register_images);
}
