#pragma once
// Shared helpers of the doctest suites.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "config.hpp"
#include "session.hpp"

namespace attnsvm::testing {

/// A config from a JSON literal (validated exactly as the CLI does).
inline Config config_of(const std::string& json) { return parse_config(json); }

/// A fresh, empty temporary file's path with the given suffix.
inline std::string temp_path(const std::string& suffix) {
  std::string pattern = "/tmp/attnsvm-test-XXXXXX" + suffix;
  int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  REQUIRE(fd >= 0);
  close(fd);
  return pattern;
}

/// Runs a shell command, returning its exit code and capturing stdout (and stderr into *err).
inline int run_shell(const std::string& command, std::string* out = nullptr, std::string* err = nullptr) {
  std::string file = temp_path(".out");
  int status = std::system((command + " > " + file + " 2>" + file + ".err").c_str());
  if (out) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    *out = s.str();
  }
  if (err) {
    std::ifstream in(file + ".err");
    std::stringstream s;
    s << in.rdbuf();
    *err = s.str();
  }
  std::remove(file.c_str());
  std::remove((file + ".err").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Writes text to a fresh temporary file and returns its path.
inline std::string temp_file(const std::string& text, const std::string& suffix = ".json") {
  std::string path = temp_path(suffix);
  std::ofstream(path) << text;
  return path;
}

/// Frobenius distance between two parameter sets, over all blocks.
inline double params_distance(const Params& a, const Params& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.blocks.size(); ++i) d += (a.blocks[i] - b.blocks[i]).squaredNorm();
  return std::sqrt(d);
}

}  // namespace attnsvm::testing
