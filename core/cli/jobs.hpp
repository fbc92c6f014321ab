#pragma once
// --jobs N: independent runs (ensemble members, compare's variant × seed runs) on N threads, their results
// consumed in run order on the calling thread, so that the output is byte-identical to --jobs 1.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../errors.hpp"
#include "commands.hpp"

namespace attnsvm::cli {

/// The largest --jobs accepted.
constexpr int kMaxJobs = 1024;

/// The default of --jobs: one thread per core (std::thread::hardware_concurrency, at least 1).
inline int default_jobs() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

/// Takes `--jobs N` out of args: N, or 0 when the option is absent. Anything but an integer in
/// [1, kMaxJobs] is an InputError naming the option.
inline int take_jobs(Args& args) {
  if (std::find(args.begin(), args.end(), "--jobs") == args.end()) return 0;
  const std::string text = take_option(args, "--jobs");
  const bool digits = !text.empty() && text.size() <= 6 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const int value = digits ? std::stoi(text) : 0;
  if (value < 1 || value > kMaxJobs)
    throw InputError("--jobs: must be an integer between 1 and " + std::to_string(kMaxJobs) + ", got \"" + text + "\"");
  return value;
}

/**
 * Calls work(k) for k = 0 … count−1 on `jobs` threads and consume(k, result) on the calling thread in the
 * order k = 0, 1, …, each as soon as it and every earlier result are there. Workers take runs in order
 * and stay at most a few runs ahead of the consumer (bounded memory). An exception from work(k) is
 * rethrown at k's turn, after the other threads stopped; one from consume stops them too. With jobs = 1
 * (or one run) everything runs on the calling thread, as a plain loop.
 */
template <typename Work, typename Consume>
void run_ordered(int count, int jobs, Work&& work, Consume&& consume) {
  using Result = decltype(work(0));
  jobs = std::max(1, std::min(jobs, count));
  if (jobs == 1) {
    for (int k = 0; k < count; ++k) consume(k, work(k));
    return;
  }
  const int window = 4 * jobs;  // results kept at most: finished, not yet consumed
  std::vector<std::optional<Result>> results(static_cast<std::size_t>(count));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(count));
  std::mutex mutex;
  std::condition_variable ready, space;
  int next = 0, consumed = 0;
  bool stop = false;
  auto worker = [&] {
    for (;;) {
      int k;
      {
        std::unique_lock lock(mutex);
        space.wait(lock, [&] { return stop || next >= count || next < consumed + window; });
        if (stop || next >= count) return;
        k = next++;
      }
      std::optional<Result> result;
      std::exception_ptr error;
      try {
        result.emplace(work(k));
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        results[static_cast<std::size_t>(k)] = std::move(result);
        errors[static_cast<std::size_t>(k)] = error;
      }
      ready.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < jobs; ++t) threads.emplace_back(worker);
  auto finish = [&] {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    space.notify_all();
    for (auto& thread : threads) thread.join();
  };
  try {
    for (int k = 0; k < count; ++k) {
      std::optional<Result> result;
      {
        std::unique_lock lock(mutex);
        const auto at = static_cast<std::size_t>(k);
        ready.wait(lock, [&] { return results[at].has_value() || errors[at] != nullptr; });
        if (errors[at]) std::rethrow_exception(errors[at]);
        result = std::move(results[at]);
        results[at].reset();
        consumed = k + 1;
      }
      space.notify_all();
      consume(k, std::move(*result));
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

}  // namespace attnsvm::cli
