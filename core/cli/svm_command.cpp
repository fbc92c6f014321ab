// attnsvm svm DATA.json --norm fro|lp|nuc|l1diag|decoder [--p P] [--tokens optimal|selected|i,j,...]
//                       [--params PARAMS.json] [--model W|prompt] [--query cross|self] [--joint]
//                       [--out solution.json]
//
// --p is required with --norm lp (no silent default exponent); --norm decoder is ℓ2 unless --p is given.
// --model prompt reads no query (the scores are X_i p): the file needs no "z", and --query is an error.
// --joint: the relaxed joint SVM (constraints of sequences that are not support vectors of the ℓ2 decoder
// SVM relaxed to ≥ 0), for the W and prompt models.
//
// Parses the options into one SVM request (core/svm/request.hpp), which the core solves (docs/design.md §5),
// and prints the result in its JSON form (docs/design.md §9.4): "problem", "joint", "norm", "p", "tokens",
// "head", "status", "reason", "W" (rows; d×1 for the prompt and decoder problems), "normValue", "margin"
// (null = +∞), "gap", "violation", "lambda", "support" (constraint indices k), "alpha", "constraints"
// ({"sequence", "token", "bound"} per k), "iterations" and, when a decoder v is known, "localOptimality".
//
// Tokens: `optimal` (α_i = argmax_t y_i x_itᵀ v with "v" from PARAMS.json, else the dataset's "v"),
// `selected` (α_i = argmax_t of the attention scores X_i W z_i, or X_i p for the prompt model, with the
// parameters of PARAMS.json: {"W": d×d rows, "v": d, "p": d}), or an explicit list "α_1,...,α_n".
//
// Exit codes: 0 optimal; 3 infeasible (reason in the JSON and on stderr); 3 also when the solver ran
// out of iterations — the JSON then says "status": "max-iterations" and carries the best certified
// iterate; 2 bad input (InputError, reported by main with the offending option or field).
//
// It also prints the local-optimality verdict of α in the words of the page's SVM panel ("Locally optimal:
// every support token scores below its sequence's selected token."): on stdout with --out, else on stderr
// (stdout then carries the JSON alone).
#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>

#include "../config.hpp"
#include "../dataset.hpp"
#include "../errors.hpp"
#include "../json_eigen.hpp"
#include "../svm/request.hpp"
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
  const auto joint_flag = std::find(args.begin(), args.end(), "--joint");
  const bool joint = joint_flag != args.end();
  if (joint) args.erase(joint_flag);
  for (const std::string& a : args)
    if (a.size() > 1 && a[0] == '-' && a[1] == '-') throw InputError(a + ": unknown option (see attnsvm --help)");
  if (args.size() != 1) throw InputError("usage: attnsvm svm DATA.json --norm fro|lp|nuc|l1diag|decoder [options]");

  if (norm_text.empty()) throw InputError("--norm: required; one of fro, lp, nuc, l1diag, decoder");
  const bool decoder = norm_text == "decoder";
  if (model_text != "W" && model_text != "prompt")
    throw InputError("--model: must be W or prompt, got \"" + model_text + "\"");
  const bool prompt = model_text == "prompt";
  SvmRequest request;
  request.problem = decoder ? SvmProblem::Decoder : prompt ? SvmProblem::Prompt : SvmProblem::Attention;
  request.joint = joint;
  if (!decoder) request.norm = svm_norm_of(Json(norm_text), "--norm");
  const SvmNorm norm = request.norm;
  if (prompt && (norm == SvmNorm::Nuc || norm == SvmNorm::L1Diag))
    throw InputError("--norm: the prompt model supports fro and lp only, got \"" + norm_text + "\"");
  if (joint && decoder) throw InputError("--joint: the decoder SVM has no joint variant");
  if (query_text != "cross" && query_text != "self")
    throw InputError("--query: must be cross or self, got \"" + query_text + "\"");
  if (prompt && !query_option.empty())
    throw InputError("--query: the prompt model has no query (its scores are X_i p); drop --query");
  // ℓp needs its exponent: no silent default. The decoder SVM is ℓ2 unless --p says otherwise.
  if (norm == SvmNorm::Lp && !decoder && p_text.empty())
    throw InputError("--p: required with --norm lp (the exponent p > 1 of the ℓp norm, e.g. --p 1.75)");
  if (!p_text.empty()) {
    request.p = parse_number(p_text, "--p");
    if (!(request.p > 1)) throw InputError("--p: must be greater than 1, got " + p_text);
    if (!decoder && norm != SvmNorm::Lp) throw InputError("--p: only applies to --norm lp and --norm decoder");
    if (decoder) request.norm = SvmNorm::Lp;
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

  // The decoder v: for the optimal tokens, and for the local optimality of the result.
  SvmTokenSource source;
  if (params.is_object() && params.contains("v"))
    source.decoder = vector_from_json(params["v"], static_cast<std::size_t>(d), params_path + ".v");
  else if (data.v)
    source.decoder = *data.v;
  if (tokens_text == "optimal") {
    request.tokens = SvmTokens::Optimal;
    if (!source.decoder)
      throw InputError("--tokens optimal: needs a decoder v: the dataset has no \"v\" and no --params file gives one");
  } else if (tokens_text == "selected") {
    request.tokens = SvmTokens::Selected;
    if (params_path.empty())
      throw InputError("--tokens selected: needs --params PARAMS.json with the attention parameters");
    Eigen::MatrixXd scores(n, T);
    if (prompt) {
      if (!params.contains("p"))
        throw InputError(params_path + ": needs \"p\" (a vector of " + std::to_string(d) + ") for --model prompt");
      Eigen::VectorXd pv = vector_from_json(params["p"], static_cast<std::size_t>(d), params_path + ".p");
      for (int i = 0; i < n; ++i) scores.row(i) = (seq.tokens(i) * pv).transpose();
    } else {
      if (!params.contains("W"))
        throw InputError(params_path + ": needs \"W\" (" + std::to_string(d) + "×" + std::to_string(d) + " rows)");
      Eigen::MatrixXd W = matrix_from_json(params["W"], d, d, params_path + ".W");
      for (int i = 0; i < n; ++i) scores.row(i) = (seq.tokens(i) * (W * seq.Z.row(i).transpose())).transpose();
    }
    source.scores = scores;
  } else {
    request.tokens = SvmTokens::Explicit;
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
    request.alpha = Eigen::Map<const Eigen::VectorXi>(list.data(), n);
  }

  const SvmResult result = solve(request, seq, source);
  write_output(out_path, to_json(result).dump(2) + "\n");
  // The verdict of the page's SVM panel: on stdout when the JSON went to a file, else on stderr.
  const bool to_stdout = !out_path.empty() && out_path != "-";
  const std::string verdict =
      result.local ? local_optimality_verdict(*result.local)
                   : "Local optimality not checked: no decoder v (the dataset has no \"v\" and no --params gives one).";
  (to_stdout ? std::cout : std::cerr) << (to_stdout ? "" : "attnsvm svm: ") << verdict << "\n";
  const SvmSolution& sol = result.solution;
  if (sol.status == SvmStatus::Optimal) return kExitOk;
  std::cerr << "attnsvm svm: " << name(sol.status) << ": " << sol.reason << "\n";
  return kExitInfeasible;
}

}  // namespace attnsvm::cli
