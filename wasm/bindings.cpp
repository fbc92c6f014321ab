// embind bindings of the core (docs/design.md §7): the Session, SVM requests and array conversion, nothing else
// (the core parses the requests and picks the solvers).
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
#include "svm/request.hpp"

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

/// write_fields (core/svm/request.hpp) into a JS object: the JSON form of an SVM result, with vectors as
/// typed arrays and matrices as {rows, cols, data}.
struct ResultWriter {
  val& out;
  void text(const char* key, const std::string& value) { out.set(key, value); }
  void boolean(const char* key, bool value) { out.set(key, value); }
  void integer(const char* key, int value) { out.set(key, value); }
  void number(const char* key, double value) { out.set(key, value); }
  void integers(const char* key, const std::vector<int>& values) { out.set(key, vector(values)); }
  void numbers(const char* key, const Eigen::VectorXd& values) { out.set(key, vector(values)); }
  void matrix(const char* key, const Eigen::MatrixXd& M) { out.set(key, M.size() ? wasm::matrix(M) : val::null()); }
  template <class F>
  void object(const char* key, F&& fill) {
    val nested = val::object();
    ResultWriter writer{nested};
    fill(writer);
    out.set(key, nested);
  }
};

val result_value(const SvmResult& result) {
  val o = val::object();
  ResultWriter writer{o};
  write_fields(result, writer);
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
          o.set("references", array_of(snap.references, result_value));
          o.set("history", with_history ? history_columns(s) : val::null());
          return o;
        },
        val::undefined());
  }

  /// An SVM request as JSON (core/svm/request.hpp; absent fields take the session's defaults), solved.
  val solve_svm(const std::string& request_json) {
    return guarded(
        [&] {
          Session& s = live();
          return result_value(s.solve_svm(svm_request_from_json(parse_json(request_json, "request"), s.svm_request())));
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
