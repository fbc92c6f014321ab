#include "lanes.hpp"

#include <cstdlib>
#include <cstring>

namespace attnsvm {

namespace {

bool available() {
#ifdef ATTNSVM_WIDE_LANES
  __builtin_cpu_init();  // needed before constructors run, and this runs in one
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

bool initial_choice() {
  const char* lanes = std::getenv("ATTNSVM_LANES");
  return available() && !(lanes && std::strcmp(lanes, "2") == 0);
}

}  // namespace

bool detail::wide_lanes = initial_choice();

bool set_wide_lanes(bool choice) {
  const bool previous = detail::wide_lanes;
  detail::wide_lanes = choice && available();
  return previous;
}

}  // namespace attnsvm
