#pragma once
// The fuzzed entry points (docs/design.md §9 inputs), shared by the libFuzzer targets (fuzz_*.cpp, built
// with clang by scripts/fuzz.sh) and by the replay of the corpus and crashers in the normal suite
// (tests/native/test_robustness.cpp). Each takes arbitrary bytes: it must either accept them or throw the
// project's InputError, which it catches; anything else (a crash, a sanitizer report, another exception,
// a failed property check → abort) is a finding.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "config.hpp"
#include "dataset.hpp"
#include "errors.hpp"
#include "idx.hpp"

namespace attnsvm::fuzz {

/// Stops the process with a message: a property of the entry point does not hold.
[[noreturn]] inline void violated(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

/// parse_config on arbitrary text; an accepted config round-trips through to_json unchanged.
inline void config_target(const std::uint8_t* data, std::size_t size) {
  Config config;
  try {
    config = parse_config(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const InputError&) {
    return;
  }
  Json once = to_json(config);
  Json twice;
  try {
    twice = to_json(parse_config(once));
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n%s\n", once.dump().c_str(), e.what());
    violated("an accepted config's to_json is rejected");
  }
  if (once != twice) violated("to_json(parse_config(to_json(c))) != to_json(c)");
}

/// Both query modes of one dataset reader; an accepted dataset round-trips through its own format.
template <typename Read, typename Write>
void dataset_target(const std::uint8_t* data, std::size_t size, Read read, Write write) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (QueryMode query : {QueryMode::Cross, QueryMode::Self}) {
    Dataset dataset;
    try {
      dataset = read(text, query);
    } catch (const InputError&) {
      continue;
    }
    Dataset again;
    try {
      again = read(write(dataset), query);
    } catch (const InputError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      violated("an accepted dataset, written back, is rejected");
    }
    if (again.train.X != dataset.train.X || again.train.y != dataset.train.y || again.train.Z != dataset.train.Z ||
        again.test.has_value() != dataset.test.has_value() || again.v.has_value() != dataset.v.has_value())
      violated("a dataset changes when written and read back");
  }
}

/// The dataset JSON reader (parse, then dataset_from_json).
inline void dataset_json_target(const std::uint8_t* data, std::size_t size) {
  dataset_target(
      data, size,
      [](const std::string& text, QueryMode query) { return read_dataset(text, DatasetFormat::Json, query, "fuzz"); },
      [](const Dataset& d) { return to_json(d).dump(); });
}

/// The dataset CSV reader.
inline void dataset_csv_target(const std::uint8_t* data, std::size_t size) {
  dataset_target(
      data, size,
      [](const std::string& text, QueryMode query) { return read_dataset(text, DatasetFormat::Csv, query, "fuzz"); },
      [](const Dataset& d) { return to_csv(d); });
}

/// The IDX reader (Fashion-MNIST files); an accepted array round-trips through write_idx unchanged.
inline void idx_target(const std::uint8_t* data, std::size_t size) {
  IdxArray array;
  try {
    array = read_idx(data, size, "fuzz");
  } catch (const InputError&) {
    return;
  }
  if (array.data.size() != array.size()) violated("an accepted IDX array's data does not match its dims");
  std::vector<std::uint8_t> bytes = write_idx(array);
  if (bytes.size() != size || !std::equal(bytes.begin(), bytes.end(), data))
    violated("an accepted IDX file is not written back byte for byte");
}

}  // namespace attnsvm::fuzz
