#include "ensemble.hpp"

#include <algorithm>
#include <cmath>

#include "errors.hpp"

namespace attnsvm {

std::vector<long> log_grid(long horizon, int points) {
  std::vector<long> grid = {0};
  for (int k = 0; k < points; ++k) {
    double t = points == 1 ? 0.0 : static_cast<double>(k) / (points - 1);
    long step = std::lround(std::pow(static_cast<double>(horizon), t));
    step = std::clamp(step, 1L, horizon);
    if (step > grid.back()) grid.push_back(step);
  }
  if (grid.back() != horizon) grid.push_back(horizon);
  return grid;
}

Config member_config(const Config& base, int k) {
  Config c = base;
  c.data.seed += static_cast<std::uint64_t>(k);
  c.model.init.seed += static_cast<std::uint64_t>(k);
  return c;
}

Ensemble::Ensemble(const Config& base, int members, long horizon, int points) : base_(base) {
  if (members < 1 || members > 10000) throw InputError("ensemble.members: must be in [1, 10000]");
  if (horizon < 1 || horizon > 1'000'000'000) throw InputError("ensemble.iterations: must be in [1, 10^9]");
  if (points < 2 || points > 1000) throw InputError("ensemble.points: must be in [2, 1000]");
  // Members record only at the grid points (checkpoint), never on their own.
  base_.run.record_every = 1'000'000'000;
  summary_.members = members;
  summary_.steps = log_grid(horizon, points);
  start_member();  // validates the config before anything else happens
  summary_.columns = current_->metric_names();
  const std::size_t C = summary_.columns.size(), P = summary_.steps.size();
  summary_.mean.assign(C, std::vector<double>(P, NAN));
  summary_.std.assign(C, std::vector<double>(P, NAN));
  summary_.count.assign(C, std::vector<int>(P, 0));
  m2_.assign(C, std::vector<double>(P, 0.0));
  record_point();
}

void Ensemble::start_member() {
  current_ = std::make_unique<Session>(member_config(base_, summary_.done));
  next_point_ = 0;
}

bool Ensemble::advance(long budget) {
  while (budget > 0 && !finished()) {
    if (!current_) {
      start_member();
      record_point();
      continue;
    }
    long target = summary_.steps[next_point_];
    long k = std::min(budget, target - current_->iteration());
    try {
      current_->step(k);
    } catch (const DivergedError& e) {
      summary_.failures.push_back("member " + std::to_string(summary_.done) + " (seed " +
                                  std::to_string(base_.data.seed + summary_.done) + "): " + e.what());
      summary_.failed_members.push_back(summary_.done);
      summary_.failed_steps.push_back(e.step);
      finish_member();
      continue;
    }
    budget -= k;
    if (current_->iteration() == target) record_point();
  }
  return finished();
}

void Ensemble::record_point() {
  current_->checkpoint();
  const MetricRow& row = current_->history().back();
  const std::size_t p = next_point_;
  for (std::size_t c = 0; c < summary_.columns.size(); ++c) {
    double x = row.values[c];
    if (!std::isfinite(x)) continue;
    // Welford: numerically stable running mean and variance.
    int& n = summary_.count[c][p];
    double& mean = summary_.mean[c][p];
    if (++n == 1) mean = 0;
    double delta = x - mean;
    mean += delta / n;
    m2_[c][p] += delta * (x - mean);
    summary_.std[c][p] = std::sqrt(m2_[c][p] / n);
  }
  if (++next_point_ == summary_.steps.size()) finish_member();
}

void Ensemble::finish_member() {
  current_.reset();
  ++summary_.done;
}

}  // namespace attnsvm
