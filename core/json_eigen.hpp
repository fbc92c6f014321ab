#pragma once
// JSON ↔ Eigen: how every vector and matrix of the file formats and of the JSON forms is written and read
// (docs/design.md §9.3, §9.4). Readers check shapes and values before they allocate, and throw InputError
// naming the field ("data.X[0][1]: must have 2 entries, got 1").
#include <Eigen/Dense>
#include <string>
#include <vector>

#include "config.hpp"

namespace attnsvm {

/// [x_0, x_1, ...].
Json vector_json(const Eigen::Ref<const Eigen::VectorXd>& v);
Json vector_json(const Eigen::Ref<const Eigen::VectorXi>& v);
/// A matrix as JSON rows ([[row 0], [row 1], ...]), the layout of every matrix in the file formats.
Json matrix_json(const Eigen::Ref<const Eigen::MatrixXd>& M);

/// A finite number.
double number_from_json(const Json& j, const std::string& field);
/// An array; of exactly `size` entries unless size is 0.
const Json& array_from_json(const Json& j, std::size_t size, const std::string& field);
/// A non-empty array of finite numbers; of exactly `size` entries unless size is 0.
Eigen::VectorXd vector_from_json(const Json& j, std::size_t size, const std::string& field);
/// `rows` rows of `cols` finite numbers.
Eigen::MatrixXd matrix_from_json(const Json& j, int rows, int cols, const std::string& field);

}  // namespace attnsvm
