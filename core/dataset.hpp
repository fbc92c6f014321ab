#pragma once
// Datasets of token sequences (docs/design.md §2, §9.3): tokens, labels, queries, decoder; JSON I/O and the
// seeded generators.
#include <Eigen/Dense>
#include <optional>
#include <string>

#include "config.hpp"
#include "json_eigen.hpp"

namespace attnsvm {

/// Row-major, so that each token, and each sequence's T×d block, is contiguous in memory.
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// n sequences of T tokens in R^d with labels ±1 and one query per sequence.
struct Sequences {
  int n = 0, T = 0, d = 0;
  RowMatrix X;        ///< (n·T) × d; row i·T + t is token x_it
  Eigen::VectorXd y;  ///< n labels in {−1, +1}
  Eigen::MatrixXd Z;  ///< n × d queries z_i (self mode: z_i = x_i0)

  /// The T × d token block of sequence i.
  auto tokens(int i) const { return X.middleRows(static_cast<Eigen::Index>(i) * T, T); }
};

struct Dataset {
  QueryMode query = QueryMode::Cross;
  Sequences train;
  std::optional<Sequences> test;
  std::optional<Eigen::VectorXd> v;  ///< decoder (its initial value when trained)

  int d() const { return train.d; }
  int T() const { return train.T; }
};

/// Checks shapes, finiteness and labels; throws InputError naming `where` and the field.
void validate(const Dataset& data, const std::string& where = "dataset");

/// Dataset file formats: JSON (below) and CSV (one row per token, README "Dataset files").
enum class DatasetFormat { Auto, Json, Csv };
const char* name(DatasetFormat format);
/// The format a file name's extension names (.json, .csv; any case), else Auto.
DatasetFormat format_of_path(const std::string& path);

/// Reads a dataset file's text in the given format (Auto: JSON if the text starts with "{", else CSV);
/// throws InputError naming `where`, and the field, or the line and column.
Dataset read_dataset(const std::string& text, DatasetFormat format, QueryMode query,
                     const std::string& where = "dataset");
/// Reads a dataset file, its format from the extension (else from the content).
Dataset read_dataset_file(const std::string& path, QueryMode query);

/// Reads the CSV format: a header `seq,token,y,x1..xd[,z1..zd][,split]` (columns in any order), then
/// one row per token, sequences numbered 0, 1, ... and their tokens 0..T−1 in order (each split
/// separately; `split` is `train` (default) or `test`); y and z repeat on every row of a sequence. A row
/// whose seq is `v` holds the decoder in its x columns. Blank lines and lines starting with # are skipped.
Dataset dataset_from_csv(const std::string& text, QueryMode query, const std::string& where = "dataset");
/// The dataset in the CSV format (z columns in cross mode, a split column when there is a test set).
std::string to_csv(const Dataset& data);

/// Reads the dataset JSON format {"X", "y", "z", "v", "X_test", "y_test", "z_test"}; `query` decides
/// whether "z" is required (cross) or derived from the first tokens (self).
Dataset dataset_from_json(const Json& json, QueryMode query, const std::string& where = "dataset");
Json to_json(const Dataset& data);

/// Materialises the dataset of a config: a generator, a toy by name, a file, or inline arrays.
Dataset make_dataset(const DataConfig& config);

/// Names of the toy datasets (`data.kind = "toy"`).
std::vector<std::string> toy_names();

/// α_i = argmax_t y_i x_itᵀ v (the optimal token of each sequence; first index on ties).
Eigen::VectorXi optimal_tokens(const Sequences& seq, const Eigen::Ref<const Eigen::VectorXd>& v);

}  // namespace attnsvm
