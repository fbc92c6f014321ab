// libFuzzer target: dataset_csv_target (fuzz_targets.hpp). Built and run by scripts/fuzz.sh.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  attnsvm::fuzz::dataset_csv_target(data, size);
  return 0;
}
