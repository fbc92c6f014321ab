#include "ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

std::string infeasible_reference(Session& session) {
  const Config& c = session.config();
  if (c.svm.tokens != TokenRule::Optimal || c.model.decoder != DecoderMode::Fixed) return "";
  for (const SvmResult& r : session.references())
    if (r.solution.status == SvmStatus::Infeasible) {
      std::string which = name(r.request.norm);
      if (r.request.norm == SvmNorm::Lp) which = reference_suffix(SvmNorm::Lp, r.request.p, c.svm);
      if (session.model().heads() > 1) which += " (head " + std::to_string(r.request.head) + ")";
      return "the " + which + " SVM reference is infeasible" +
             (r.solution.reason.empty() ? std::string() : " (" + r.solution.reason + ")") +
             "; left out, as the papers leave out infeasible instances";
    }
  return "";
}

Ensemble::Ensemble(const Config& base, int members, long horizon, int points, MemberRuns runs) : base_(base) {
  if (members < 1 || members > 10000) throw InputError("ensemble.members: must be in [1, 10000]");
  if (horizon < 1 || horizon > 1'000'000'000) throw InputError("ensemble.iterations: must be in [1, 10^9]");
  if (points < 2 || points > 1000) throw InputError("ensemble.points: must be in [2, 1000]");
  // Members record only at the grid points (checkpoint), never on their own.
  base_.run.record_every = 1'000'000'000;
  summary_.members = members;
  summary_.steps = log_grid(horizon, points);
  // validates the config before anything else happens
  if (runs == MemberRuns::Here)
    start_member();
  else
    summary_.columns = Session(member_config(base_, 0), ReferenceSolving::Deferred).metric_names();
  if (current_) summary_.columns = current_->metric_names();
  const std::size_t C = summary_.columns.size(), P = summary_.steps.size();
  summary_.mean.assign(C, std::vector<double>(P, NAN));
  summary_.std.assign(C, std::vector<double>(P, NAN));
  summary_.count.assign(C, std::vector<int>(P, 0));
  m2_.assign(C, std::vector<double>(P, 0.0));
  if (current_) record_point();
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
      failed(e.step, e.what(), false);
      continue;
    }
    budget -= k;
    if (current_->iteration() == target) record_point();
  }
  return finished();
}

MemberRecord Ensemble::run_member(const Config& member_base, const std::vector<long>& grid, int k) {
  MemberRecord record;
  Session session(member_config(member_base, k));
  if (std::string why = infeasible_reference(session); !why.empty()) {
    record.infeasible = true;
    record.message = why;
    return record;
  }
  for (long target : grid) {
    try {
      // one call per grid point, as advance() with an unlimited budget
      if (target > session.iteration()) session.step(target - session.iteration());
    } catch (const DivergedError& e) {
      record.diverged = true;
      record.step = e.step;
      record.message = e.what();
      break;
    }
    session.checkpoint();
    record.rows.push_back(session.history().back().values);
  }
  return record;
}

void Ensemble::add(const MemberRecord& member) {
  if (finished()) throw std::logic_error("Ensemble::add: every member was added");
  for (std::size_t p = 0; p < member.rows.size() && p < summary_.steps.size(); ++p) accumulate(member.rows[p], p);
  if (member.diverged || member.infeasible)
    failed(member.step, member.message, member.infeasible);
  else
    finish_member();
}

void Ensemble::failed(long step, const std::string& message, bool infeasible) {
  summary_.failures.push_back("member " + std::to_string(summary_.done) + " (seed " +
                              std::to_string(base_.data.seed + summary_.done) + "): " + message);
  summary_.failed_members.push_back(summary_.done);
  summary_.failed_steps.push_back(step);
  summary_.failed_infeasible.push_back(infeasible);
  finish_member();
}

void Ensemble::record_point() {
  if (next_point_ == 0)
    if (std::string why = infeasible_reference(*current_); !why.empty()) return failed(0, why, true);
  current_->checkpoint();
  accumulate(current_->history().back().values, next_point_);
  if (++next_point_ == summary_.steps.size()) finish_member();
}

void Ensemble::accumulate(const std::vector<double>& values, std::size_t p) {
  for (std::size_t c = 0; c < summary_.columns.size(); ++c) {
    double x = values[c];
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
}

void Ensemble::finish_member() {
  current_.reset();
  ++summary_.done;
}

}  // namespace attnsvm
