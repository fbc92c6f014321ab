// libFuzzer target: idx_target (fuzz_targets.hpp). Built and run by scripts/fuzz.sh.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  attnsvm::fuzz::idx_target(data, size);
  return 0;
}
