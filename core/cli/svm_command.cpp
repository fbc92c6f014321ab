// attnsvm svm DATA.json --norm fro|lp|nuc|l1diag|decoder [--p P] [--tokens optimal|selected|i,j,...]
//                       [--params PARAMS.json] [--model W|prompt] [--query cross|self] [--out solution.json]
//
// --p is required with --norm lp (no silent default exponent); --norm decoder is ℓ2 unless --p is given.
// --model prompt reads no query (the scores are X_i p): the file needs no "z", and --query is an error.
//
// Solves one max-margin token SVM (docs/design.md §5) on a dataset file and prints the solution with its
// certificate as JSON: "W" (rows; "p" for --model prompt, "v" for --norm decoder), "norm", "margin",
// "gap", "violation", "status", "reason", "alpha", "support" ([[i, t], ...]), "iterations", "lambda".
//
// Tokens: `optimal` (α_i = argmax_t y_i x_itᵀ v with "v" from PARAMS.json, else the dataset's "v"),
// `selected` (α_i = argmax_t of the attention scores X_i W z_i, or X_i p for the prompt model, with the
// parameters of PARAMS.json: {"W": d×d rows, "v": d, "p": d}), or an explicit list "α_1,...,α_n".
//
// Exit codes: 0 optimal; 3 infeasible (reason in the JSON and on stderr); 3 also when the solver ran
// out of iterations — the JSON then says "status": "max-iterations" and carries the best certified
// iterate; 2 bad input (InputError, reported by main with the offending option or field).
#include <cmath>
#include <iostream>
#include <sstream>

#include "../config.hpp"
#include "../dataset.hpp"
#include "../errors.hpp"
#include "../svm.hpp"
#include "commands.hpp"

namespace attnsvm::cli {
namespace {

double parse_number(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  double x = NAN;
  try {
    x = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !std::isfinite(x))
    throw InputError(what + ": must be a finite number, got \"" + text + "\"");
  return x;
}

Eigen::VectorXd json_vector(const Json& j, int size, const std::string& what) {
  if (!j.is_array() || static_cast<int>(j.size()) != size)
    throw InputError(what + ": must be an array of " + std::to_string(size) + " numbers");
  Eigen::VectorXd v(size);
  for (int k = 0; k < size; ++k) {
    if (!j[k].is_number()) throw InputError(what + "[" + std::to_string(k) + "]: must be a number");
    v(k) = j[k].get<double>();
    if (!std::isfinite(v(k))) throw InputError(what + "[" + std::to_string(k) + "]: must be finite");
  }
  return v;
}

Eigen::MatrixXd json_matrix(const Json& j, int rows, int cols, const std::string& what) {
  if (!j.is_array() || static_cast<int>(j.size()) != rows)
    throw InputError(what + ": must be a " + std::to_string(rows) + "×" + std::to_string(cols) + " array of rows");
  Eigen::MatrixXd M(rows, cols);
  for (int r = 0; r < rows; ++r) M.row(r) = json_vector(j[r], cols, what + "[" + std::to_string(r) + "]").transpose();
  return M;
}

/// A dataset file for the prompt model, which has no query: the tokens, labels and decoder, with any
/// queries ("z", "z_test", CSV columns z1..zd) and the file's "query" mode left unread.
Dataset read_tokens_only(const std::string& path) {
  const std::string text = read_text_file(path);
  DatasetFormat format = format_of_path(path);
  if (format == DatasetFormat::Auto) {
    std::size_t first = text.find_first_not_of(" \t\r\n");
    format = first != std::string::npos && text[first] == '{' ? DatasetFormat::Json : DatasetFormat::Csv;
  }
  if (format == DatasetFormat::Csv) return read_dataset(text, format, QueryMode::Self, path);  // z columns unread
  Json json = parse_json(text, path);
  if (json.is_object())
    for (const char* key : {"query", "z", "z_test"}) json.erase(key);
  return dataset_from_json(json, QueryMode::Self, path);
}

Json vector_json(const Eigen::VectorXd& v) {
  Json a = Json::array();
  for (Eigen::Index k = 0; k < v.size(); ++k) a.push_back(v(k));
  return a;
}

}  // namespace

int svm_command(const Args& input) {
  Args args = input;
  const std::string norm_text = take_option(args, "--norm");
  const std::string p_text = take_option(args, "--p");
  const std::string tokens_text = take_option(args, "--tokens", "optimal");
  const std::string params_path = take_option(args, "--params");
  const std::string model_text = take_option(args, "--model", "W");
  const std::string query_option = take_option(args, "--query");
  const std::string query_text = query_option.empty() ? "cross" : query_option;
  const std::string out_path = take_option(args, "--out");
  for (const std::string& a : args)
    if (a.size() > 1 && a[0] == '-' && a[1] == '-') throw InputError(a + ": unknown option (see attnsvm --help)");
  if (args.size() != 1) throw InputError("usage: attnsvm svm DATA.json --norm fro|lp|nuc|l1diag|decoder [options]");

  if (norm_text.empty()) throw InputError("--norm: required; one of fro, lp, nuc, l1diag, decoder");
  const bool decoder = norm_text == "decoder";
  SvmNorm norm = SvmNorm::Fro;
  if (norm_text == "fro")
    norm = SvmNorm::Fro;
  else if (norm_text == "lp")
    norm = SvmNorm::Lp;
  else if (norm_text == "nuc")
    norm = SvmNorm::Nuc;
  else if (norm_text == "l1diag")
    norm = SvmNorm::L1Diag;
  else if (!decoder)
    throw InputError("--norm: must be one of fro, lp, nuc, l1diag, decoder, got \"" + norm_text + "\"");
  if (model_text != "W" && model_text != "prompt")
    throw InputError("--model: must be W or prompt, got \"" + model_text + "\"");
  const bool prompt = model_text == "prompt";
  if (prompt && (norm == SvmNorm::Nuc || norm == SvmNorm::L1Diag))
    throw InputError("--norm: the prompt model supports fro and lp only, got \"" + norm_text + "\"");
  if (query_text != "cross" && query_text != "self")
    throw InputError("--query: must be cross or self, got \"" + query_text + "\"");
  if (prompt && !query_option.empty())
    throw InputError("--query: the prompt model has no query (its scores are X_i p); drop --query");
  // ℓp needs its exponent: no silent default. The decoder SVM is ℓ2 unless --p says otherwise.
  if (norm == SvmNorm::Lp && !decoder && p_text.empty())
    throw InputError("--p: required with --norm lp (the exponent p > 1 of the ℓp norm, e.g. --p 1.75)");
  double p = 2.0;
  if (!p_text.empty()) {
    p = parse_number(p_text, "--p");
    if (!(p > 1)) throw InputError("--p: must be greater than 1, got " + p_text);
    if (!decoder && norm != SvmNorm::Lp) throw InputError("--p: only applies to --norm lp and --norm decoder");
  }

  const std::string& data_path = args[0];
  Dataset data = prompt ? read_tokens_only(data_path)
                        : read_dataset_file(data_path, query_text == "self" ? QueryMode::Self : QueryMode::Cross);
  const Sequences& seq = data.train;
  const int n = seq.n, T = seq.T, d = seq.d;

  Json params;
  if (!params_path.empty()) {
    params = parse_json(read_text_file(params_path), params_path);
    if (!params.is_object()) throw InputError(params_path + ": must be a JSON object");
  }

  Eigen::VectorXi alpha(n);
  if (tokens_text == "optimal") {
    Eigen::VectorXd v;
    if (params.is_object() && params.contains("v"))
      v = json_vector(params["v"], d, params_path + ".v");
    else if (data.v)
      v = *data.v;
    else
      throw InputError("--tokens optimal: needs a decoder v: the dataset has no \"v\" and no --params file gives one");
    alpha = optimal_tokens(seq, v);
  } else if (tokens_text == "selected") {
    if (params_path.empty())
      throw InputError("--tokens selected: needs --params PARAMS.json with the attention parameters");
    Eigen::MatrixXd scores(n, T);
    if (prompt) {
      if (!params.contains("p"))
        throw InputError(params_path + ": needs \"p\" (a vector of " + std::to_string(d) + ") for --model prompt");
      Eigen::VectorXd pv = json_vector(params["p"], d, params_path + ".p");
      for (int i = 0; i < n; ++i) scores.row(i) = (seq.tokens(i) * pv).transpose();
    } else {
      if (!params.contains("W"))
        throw InputError(params_path + ": needs \"W\" (" + std::to_string(d) + "×" + std::to_string(d) + " rows)");
      Eigen::MatrixXd W = json_matrix(params["W"], d, d, params_path + ".W");
      for (int i = 0; i < n; ++i) scores.row(i) = (seq.tokens(i) * (W * seq.Z.row(i).transpose())).transpose();
    }
    alpha = selected_tokens(scores);
  } else {
    std::vector<int> list;
    std::stringstream ss(tokens_text);
    std::string item;
    while (std::getline(ss, item, ',')) {
      double x = parse_number(item, "--tokens");
      if (x != std::floor(x) || x < 0 || x >= T)
        throw InputError("--tokens: \"" + item + "\" is not a token index in 0.." + std::to_string(T - 1) +
                         " (use optimal, selected, or a comma-separated list of n indices)");
      list.push_back(static_cast<int>(x));
    }
    if (static_cast<int>(list.size()) != n)
      throw InputError("--tokens: needs " + std::to_string(n) + " indices (one per sequence), got " +
                       std::to_string(list.size()));
    for (int i = 0; i < n; ++i) alpha(i) = list[i];
  }

  SvmSolution sol = decoder  ? decoder_svm(seq, alpha, p)
                    : prompt ? prompt_svm(seq, alpha, norm, p)
                             : att_svm(seq, alpha, norm, p);

  Json out;
  out["problem"] = decoder ? "decoder" : (prompt ? "prompt" : "W");
  out["kind"] = decoder ? "decoder" : name(norm);
  if (decoder || norm == SvmNorm::Lp) out["exponent"] = p;  // the ℓp exponent ("p" names the prompt vector)
  const char* key = decoder ? "v" : (prompt ? "p" : "W");
  if (sol.W.size() == 0)
    out[key] = nullptr;
  else if (decoder || prompt)
    out[key] = vector_json(sol.W.col(0));
  else
    out[key] = matrix_json(sol.W);
  out["norm"] = sol.norm;
  out["margin"] = sol.margin;  // null (+∞) when there are no constraints
  out["gap"] = sol.gap;
  out["violation"] = sol.violation;
  out["status"] = name(sol.status);
  out["reason"] = sol.reason;
  out["alpha"] = Json::array();
  for (int i = 0; i < alpha.size(); ++i) out["alpha"].push_back(alpha(i));
  out["support"] = Json::array();
  for (int k : sol.support) out["support"].push_back({sol.constraints[k].sequence, sol.constraints[k].token});
  out["iterations"] = sol.iterations;
  out["lambda"] = vector_json(sol.lambda);
  write_output(out_path, out.dump(2) + "\n");
  if (sol.status == SvmStatus::Optimal) return kExitOk;
  std::cerr << "attnsvm svm: " << name(sol.status) << ": " << sol.reason << "\n";
  return kExitInfeasible;
}

}  // namespace attnsvm::cli
