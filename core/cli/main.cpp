// attnsvm: the native command-line tool (docs/design.md §9.2). Subcommands: data, run, svm, compare,
// fashion-subset.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "errors.hpp"

namespace attnsvm::cli {

std::string take_option(Args& args, const std::string& name, const std::string& fallback) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] != name) continue;
    if (i + 1 >= args.size()) throw InputError(name + ": needs a value");
    std::string value = args[i + 1];
    args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    return value;
  }
  return fallback;
}

long parse_integer(const std::string& text, const std::string& option, long lo, long hi) {
  try {
    std::size_t used = 0;
    long value = std::stol(text, &used);
    if (used == text.size() && value >= lo && value <= hi) return value;
  } catch (const std::exception&) {
  }
  throw InputError(option + ": must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi) +
                   ", got \"" + text + "\"");
}

void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError(path + ": cannot open for writing");
  out << text;
  if (!out) throw InputError(path + ": write error");
}

}  // namespace attnsvm::cli

namespace {

constexpr const char* kUsage = R"(attnsvm — softmax attention converges in direction to max-margin token SVMs

usage:
  attnsvm data CONFIG.json [--out data.json]
      materialise the dataset of a config (JSON dataset format)
  attnsvm run CONFIG.json [--iterations N] [--record-every K] [--out metrics.csv|metrics.json]
                          [--params-out params.json]
      train; metrics as CSV (default, to stdout) or JSON; final parameters as JSON
  attnsvm run CONFIG.json --seeds N [--points K] [--iterations N] [--out ensemble.csv|ensemble.json] [--jobs J]
      the same setting over N seeds (data.seed + k, init seed + k): mean, std and count of every metric
      on K log-spaced iterations; members on J threads (default: one per core), the output the same for any J
  attnsvm svm DATA.json --norm fro|lp|nuc|l1diag|decoder [--p P] [--tokens optimal|selected|i,j,...]
                        [--params PARAMS.json] [--model W|prompt] [--query cross|self] [--joint]
                        [--out solution.json]
      solve a max-margin token SVM with its certificate (--norm lp needs --p; --model prompt has no query;
      --joint relaxes the sequences that are not support vectors of the decoder SVM)
  attnsvm compare EXPERIMENT.json [--seeds N] [--iterations N] [--curves curves.csv] [--out table.md] [--jobs J]
      train every variant of an experiment on the same data and init over N seeds; table of mean ± std
      (runs on J threads, default one per core; the output the same for any J)
  attnsvm fashion-subset SRC_DIR --out-dir DIR [--classes 0,1,7,8] [--train-per-class N]
                         [--test-per-class N] [--seed S]
      write a deterministic Fashion-MNIST subset (IDX files) for the page (scripts/build-data.sh)

exit codes: 0 success, 2 bad input, 3 infeasible SVM, 4 diverged run (the metrics up to the divergence
  are still written; with --seeds: one or more members diverged, reported in one line on stderr, and the
  ensemble of the members that reached each step is still written)

environment: ATTNSVM_FASHION_MNIST_DIR  the directory of the Fashion-MNIST IDX files (plain or .gz) for
  data.kind "fashion-mnist" without data.path; else <attnsvm's dir>/../data/fashion-mnist
  (scripts/build-data.sh), else /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist)
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace attnsvm::cli;
  Args args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kExitBadInput : kExitOk;
  }
  std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "data") return data_command(args);
    if (command == "run") return run_command(args);
    if (command == "svm") return svm_command(args);
    if (command == "compare") return compare_command(args);
    if (command == "fashion-subset") return fashion_subset_command(args);
    std::cerr << "attnsvm: unknown command \"" << command
              << "\" (data, run, svm, compare, fashion-subset; see attnsvm --help)\n";
    return kExitBadInput;
  } catch (const attnsvm::InputError& e) {
    std::cerr << "attnsvm " << command << ": " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << "attnsvm " << command << ": out of memory\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "attnsvm " << command << ": internal error: " << e.what() << "\n";
    return 1;
  }
}
