#include "request.hpp"

#include <cctype>
#include <cmath>

#include "../errors.hpp"
#include "../json_eigen.hpp"

namespace attnsvm {
namespace {

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw InputError(field + ": " + message);
}

/// An integer in [lo, hi] (integral floats too, as the config accepts them).
int integer_of(const Json& j, int lo, int hi, const std::string& field, const std::string& what) {
  if (!j.is_number() || j.get<double>() != std::floor(j.get<double>()) || j.get<double>() < lo || j.get<double>() > hi)
    fail(field, "must be " + what + ", got " + j.dump());
  return static_cast<int>(j.get<double>());
}

}  // namespace

const char* name(SvmProblem problem) {
  switch (problem) {
    case SvmProblem::Attention: return "attention";
    case SvmProblem::Prompt: return "prompt";
    case SvmProblem::Decoder: return "decoder";
  }
  return "?";
}

const char* name(SvmTokens tokens) {
  switch (tokens) {
    case SvmTokens::Optimal: return "optimal";
    case SvmTokens::Selected: return "selected";
    case SvmTokens::Explicit: return "explicit";
  }
  return "?";
}

SvmRequest svm_request_from_json(const Json& json, const SvmRequest& defaults) {
  if (!json.is_object()) fail("request", "must be a JSON object such as {\"norm\": \"lp\"}, got " + json.dump());
  SvmRequest r = defaults;
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    const Json& value = *it;
    if (key == "problem") {
      bool known = false;
      for (SvmProblem problem : {SvmProblem::Attention, SvmProblem::Prompt, SvmProblem::Decoder})
        if (value == name(problem)) r.problem = problem, known = true;
      if (!known) fail(key, "must be one of \"attention\", \"prompt\", \"decoder\", got " + value.dump());
    } else if (key == "joint") {
      if (!value.is_boolean()) fail(key, "must be true or false, got " + value.dump());
      r.joint = value.get<bool>();
    } else if (key == "norm") {
      r.norm = svm_norm_of(value, key);
    } else if (key == "p") {
      if (!value.is_number() || !(value.get<double>() > 1) || !std::isfinite(value.get<double>()))
        fail(key, "must be a number > 1, got " + value.dump());
      r.p = value.get<double>();
    } else if (key == "tokens") {
      if (value == "optimal" || value == "selected") {
        r.tokens = value == "optimal" ? SvmTokens::Optimal : SvmTokens::Selected;
      } else if (value.is_array()) {
        r.tokens = SvmTokens::Explicit;
        r.alpha.resize(static_cast<Eigen::Index>(value.size()));
        for (std::size_t i = 0; i < value.size(); ++i)
          r.alpha(static_cast<Eigen::Index>(i)) =
              integer_of(value[i], 0, 1 << 30, "tokens[" + std::to_string(i) + "]", "a token index 0, 1, ...");
      } else {
        fail(key, "must be \"optimal\", \"selected\" or an array of token indices, got " + value.dump());
      }
    } else if (key == "head") {
      r.head = integer_of(value, 0, 1 << 30, key, "an integer >= 0");
    } else if (key == "tol") {
      if (!value.is_number() || !(value.get<double>() > 0 && value.get<double>() < 1))
        fail(key, "must be a number in (0, 1), got " + value.dump());
      r.options.tol = value.get<double>();
    } else if (key == "maxIterations") {
      r.options.max_iterations = integer_of(value, 1, 1 << 30, key, "an integer >= 1");
    } else {
      fail(key, "unknown field (a request has problem, joint, norm, p, tokens, head, tol, maxIterations)");
    }
  }
  return r;
}

Eigen::VectorXi svm_tokens(const SvmRequest& request, const Sequences& seq, const SvmTokenSource& source) {
  switch (request.tokens) {
    case SvmTokens::Optimal:
      if (!source.decoder) throw InputError("tokens: \"optimal\" needs the decoder v");
      return optimal_tokens(seq, *source.decoder);
    case SvmTokens::Selected:
      if (!source.scores) throw InputError("tokens: \"selected\" needs the attention scores");
      return selected_tokens(*source.scores);
    case SvmTokens::Explicit:
      if (request.alpha.size() != seq.n)
        throw InputError("tokens: has " + std::to_string(request.alpha.size()) + " entries for " +
                         std::to_string(seq.n) + " sequences");
      return request.alpha;
  }
  return {};
}

SvmSolution solve(const SvmRequest& request, const Sequences& seq, const Eigen::VectorXi& alpha) {
  const SvmOptions& options = request.options;
  const SvmNorm norm = request.norm;
  if (request.problem == SvmProblem::Decoder) {
    if (request.joint) throw InputError("joint: the decoder SVM has no joint variant");
    if (norm != SvmNorm::Fro && norm != SvmNorm::Lp)
      throw InputError(std::string("norm: the decoder SVM supports fro (ℓ2) and lp only, got \"") + name(norm) + "\"");
    return decoder_svm(seq, alpha, norm == SvmNorm::Lp ? request.p : 2.0, options);
  }
  const bool prompt = request.problem == SvmProblem::Prompt;
  if (!request.joint)
    return prompt ? prompt_svm(seq, alpha, norm, request.p, options) : att_svm(seq, alpha, norm, request.p, options);
  const SvmSolution decoder = decoder_svm(seq, alpha, 2.0, options);
  return prompt ? joint_prompt_svm(seq, alpha, decoder, norm, request.p, options)
                : joint_att_svm(seq, alpha, decoder, norm, request.p, options);
}

std::string local_optimality_verdict(const LocalOptimality& local) {
  std::string text = local.explanation;
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (text.empty()) return local.locally_optimal ? "Locally optimal." : "Not locally optimal.";
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text + ".";
}

SvmResult solve(const SvmRequest& request, const Sequences& seq, const SvmTokenSource& source) {
  SvmResult result{request, solve(request, seq, svm_tokens(request, seq, source)), std::nullopt};
  if (source.decoder) result.local = local_optimality(seq, result.solution, *source.decoder);
  return result;
}

namespace {

/// write_fields into nlohmann JSON.
struct JsonWriter {
  Json& out;
  void text(const char* key, const std::string& value) { out[key] = value; }
  void boolean(const char* key, bool value) { out[key] = value; }
  void integer(const char* key, int value) { out[key] = value; }
  void number(const char* key, double value) { out[key] = std::isfinite(value) ? Json(value) : Json(nullptr); }
  void integers(const char* key, const std::vector<int>& values) { out[key] = values; }
  void numbers(const char* key, const Eigen::VectorXd& values) { out[key] = vector_json(values); }
  void matrix(const char* key, const Eigen::MatrixXd& M) { out[key] = M.size() ? matrix_json(M) : Json(nullptr); }
  template <class F>
  void object(const char* key, F&& fill) {
    JsonWriter nested{out[key] = Json::object()};
    fill(nested);
  }
};

}  // namespace

Json to_json(const SvmResult& result) {
  Json out = Json::object();
  JsonWriter writer{out};
  write_fields(result, writer);
  return out;
}

}  // namespace attnsvm
