#pragma once
// The size limits of a dataset (docs/design.md §9.1, §9.3): one set for the config's generators, dataset
// files and inline arrays, checked before anything is allocated so that the n·T·d doubles fit comfortably
// in wasm. 64-bit: `long` is 32 bits on wasm32.
#include <cstdint>

namespace attnsvm::limits {

constexpr std::int64_t kSequences = 100000;    ///< n, and test_n (each split)
constexpr std::int64_t kTokens = 4096;         ///< T
constexpr std::int64_t kDim = 1024;            ///< d (and the KQ width m)
constexpr std::int64_t kEntries = 10'000'000;  ///< n·T·d, the train and test splits together

}  // namespace attnsvm::limits
