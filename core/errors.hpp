#pragma once
// Error types of the core. Each carries a message a user can act on.
#include <stdexcept>
#include <string>

namespace attnsvm {

/// Invalid input: a config field, a dataset file, a CLI argument. The message names the field.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A run whose loss or parameters became non-finite; the session keeps the last finite state.
struct DivergedError : std::runtime_error {
  long step;
  DivergedError(long step_, const std::string& what) : std::runtime_error(what), step(step_) {}
};

}  // namespace attnsvm
