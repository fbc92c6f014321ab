#pragma once
// The subcommands of the native `attnsvm` tool. Each returns the process exit code:
// 0 success, 2 bad input, 3 infeasible SVM, 4 diverged run (docs/design.md §9.2).
#include <string>
#include <vector>

namespace attnsvm::cli {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 2;
constexpr int kExitInfeasible = 3;
constexpr int kExitDiverged = 4;

using Args = std::vector<std::string>;

int data_command(const Args& args);  ///< attnsvm data CONFIG.json [--out data.json]
int run_command(
    const Args& args);  ///< attnsvm run CONFIG.json [--iterations N] [--record-every K] [--out F] [--params-out F]
int svm_command(const Args& args);             ///< attnsvm svm DATA.json --norm ... (see svm_command.cpp)
int fashion_subset_command(const Args& args);  ///< attnsvm fashion-subset SRC_DIR --out-dir DIR (fashion_command.cpp)
int compare_command(const Args& args);         ///< attnsvm compare EXPERIMENT.json (compare_command.cpp)

/// Value of `--name VALUE` in args (erasing both), or `fallback`.
std::string take_option(Args& args, const std::string& name, const std::string& fallback = "");
/// The integer `text` in [lo, hi]; throws InputError naming `option` otherwise.
long parse_integer(const std::string& text, const std::string& option, long lo, long hi);
/// Writes text to a file, or to stdout when path is "-" or empty; throws InputError on failure.
void write_output(const std::string& path, const std::string& text);

}  // namespace attnsvm::cli
