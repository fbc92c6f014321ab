#pragma once
// Fashion-MNIST as token sequences (data.kind "fashion-mnist"): two classes of 28×28 images, each cut
// into a grid×grid set of square patches, each patch projected to d dimensions by a fixed seeded
// Gaussian matrix (plus an optional positional code); the query of an image is the mean of its patch
// tokens (cross mode) or its first patch (self mode). The images come from IDX files looked up first
// in an in-memory registry (filled by the wasm module's registerImages) and then on disk, so native
// and wasm builds make the same dataset from the same bytes. On disk each file may be plain or gzipped
// (name.gz, as Debian ships them; decompressed when the native build has zlib).
#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "config.hpp"
#include "dataset.hpp"
#include "idx.hpp"

namespace attnsvm {

/// The four IDX files of the Fashion-MNIST distribution (uncompressed), in this order: training
/// images, training labels, test images, test labels.
extern const std::array<const char*, 4> kFashionFiles;

/// The environment variable that names the directory of the IDX files (used when data.path is empty).
inline constexpr const char* kFashionDirVariable = "ATTNSVM_FASHION_MNIST_DIR";

/// A directory the native build looks in when data.path is empty, and why it is on the list.
struct FashionDir {
  std::string path;
  std::string why;
};
/// The directories in the order they are tried: $ATTNSVM_FASHION_MNIST_DIR alone when it is set; else
/// <directory of the running executable>/../data/fashion-mnist (scripts/build-data.sh's subset beside
/// build/native/attnsvm) and /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist, gzipped).
/// The first that holds the training images is used; none: an InputError lists them all.
std::vector<FashionDir> fashion_search_dirs();

/// "T-shirt/top", "Trouser", ... for labels 0..9.
const char* fashion_class_name(int label);

/// Stores bytes under a name in the process-wide registry (replacing an earlier entry).
void register_file(const std::string& name, std::vector<std::uint8_t> bytes);
/// Empties the registry.
void clear_registered_files();
/// The bytes of `name` from the registry, else from the file system (`name`, else `name`.gz; gzipped
/// bytes are decompressed when the build has zlib); InputError names what is missing.
std::vector<std::uint8_t> file_bytes(const std::string& name);

/// Decompresses gzip data (at most 2^28 + 64 bytes out); InputError names `name` when it is not valid
/// gzip or the build has no zlib (the wasm module).
std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& bytes, const std::string& name);

/// Images with labels: count × rows × cols pixels (0..255) and one label 0..9 per image.
struct LabelledImages {
  int rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;
  std::vector<int> labels;
  int count() const { return static_cast<int>(labels.size()); }
};

/// Validates a pair of IDX arrays as images (rank 3) and labels (rank 1, same count, labels 0..9).
LabelledImages labelled_images(const IdxArray& images, const IdxArray& labels, const std::string& images_name,
                               const std::string& labels_name);

/// The training and test images a fashion-mnist config uses, in dataset order.
struct FashionImages {
  LabelledImages train, test;
};

/// Loads the IDX files of data.path (else the registry, else the first of fashion_search_dirs()) and picks, with
/// data.seed, n (test_n) images balanced over data.classes; InputError names the field or file at fault.
FashionImages fashion_images(const DataConfig& config);

/// Tokenises selected images (see the header comment); y = −1 for classes[0], +1 for classes[1]; no v.
Dataset fashion_tokens(const FashionImages& images, const DataConfig& config);

/// fashion_tokens(fashion_images(config), config): the generator of data.kind "fashion-mnist".
Dataset fashion_dataset(const DataConfig& config);

/// Mean pixel intensity (in [0, 1]) of every patch: count × grid² (the token order of the dataset).
Eigen::MatrixXd patch_intensity(const LabelledImages& images, int grid);

/// A deterministic subset of a Fashion-MNIST directory: per class, `train_per_class` training and
/// `test_per_class` test images drawn with `seed` (in a seeded order), as the four IDX arrays of
/// kFashionFiles. Validates the source with read_idx.
std::array<IdxArray, 4> fashion_subset(const std::string& source_dir, const std::vector<int>& classes,
                                       int train_per_class, int test_per_class, std::uint64_t seed);

}  // namespace attnsvm
