#include "json_eigen.hpp"

#include <cmath>

#include "errors.hpp"

namespace attnsvm {
namespace {

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw InputError(field + ": " + message);
}

}  // namespace

Json vector_json(const Eigen::Ref<const Eigen::VectorXd>& v) { return std::vector<double>(v.begin(), v.end()); }

Json vector_json(const Eigen::Ref<const Eigen::VectorXi>& v) { return std::vector<int>(v.begin(), v.end()); }

Json matrix_json(const Eigen::Ref<const Eigen::MatrixXd>& M) {
  Json out = Json::array();
  for (Eigen::Index r = 0; r < M.rows(); ++r) out.push_back(std::vector<double>(M.row(r).begin(), M.row(r).end()));
  return out;
}

double number_from_json(const Json& j, const std::string& field) {
  if (!j.is_number()) fail(field, "must be a number, got " + j.dump());
  double x = j.get<double>();
  if (!std::isfinite(x)) fail(field, "must be finite");
  return x;
}

const Json& array_from_json(const Json& j, std::size_t size, const std::string& field) {
  if (!j.is_array()) fail(field, "must be an array");
  if (size != 0 && j.size() != size)
    fail(field, "must have " + std::to_string(size) + " entries, got " + std::to_string(j.size()));
  return j;
}

Eigen::VectorXd vector_from_json(const Json& j, std::size_t size, const std::string& field) {
  array_from_json(j, size, field);
  if (j.empty()) fail(field, "must not be empty");
  Eigen::VectorXd v(static_cast<Eigen::Index>(j.size()));
  for (std::size_t k = 0; k < j.size(); ++k) v(k) = number_from_json(j[k], field + "[" + std::to_string(k) + "]");
  return v;
}

Eigen::MatrixXd matrix_from_json(const Json& j, int rows, int cols, const std::string& field) {
  array_from_json(j, static_cast<std::size_t>(rows), field);
  Eigen::MatrixXd M(rows, cols);
  for (int r = 0; r < rows; ++r)
    M.row(r) = vector_from_json(j[r], static_cast<std::size_t>(cols), field + "[" + std::to_string(r) + "]");
  return M;
}

}  // namespace attnsvm
