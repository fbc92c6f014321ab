#include "fashion.hpp"

#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numeric>
#include <utility>

#ifndef __EMSCRIPTEN__
#include <filesystem>
#endif
#ifdef ATTNSVM_HAVE_ZLIB
#include <zlib.h>
#endif

#include "errors.hpp"
#include "rng.hpp"

namespace attnsvm {

const std::array<const char*, 4> kFashionFiles = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

namespace {

// Streams of the data seed: which images are picked, and the projection with the positional code.
constexpr std::uint64_t kPickStream = 7, kProjectionStream = 11;

std::mutex registry_mutex;
std::map<std::string, std::vector<std::uint8_t>>& registry() {
  static std::map<std::string, std::vector<std::uint8_t>> files;
  return files;
}

std::string join(const std::string& dir, const std::string& file) { return dir.empty() ? file : dir + "/" + file; }

/// Fisher–Yates with the project's RNG (the same order natively and in wasm).
void shuffle(std::vector<int>& items, Rng& rng) {
  for (int i = static_cast<int>(items.size()) - 1; i > 0; --i) std::swap(items[i], items[rng.uniform_int(i + 1)]);
}

/// Indices of the images of each class, in file order.
std::vector<int> indices_of(const LabelledImages& images, int label) {
  std::vector<int> out;
  for (int i = 0; i < images.count(); ++i)
    if (images.labels[i] == label) out.push_back(i);
  return out;
}

LabelledImages load_pair(const std::string& dir, int first) {
  std::string images = join(dir, kFashionFiles[first]), labels = join(dir, kFashionFiles[first + 1]);
  IdxArray image_array = read_idx(file_bytes(images), images);  // images first: errors name them first
  return labelled_images(image_array, read_idx(file_bytes(labels), labels), images, labels);
}

/// `count` images balanced over `classes` (the first classes get the remainder), picked in a seeded
/// order, then shuffled together.
LabelledImages pick(const LabelledImages& from, const std::vector<int>& classes, int count, Rng& rng,
                    const std::string& field, const std::string& file) {
  std::vector<int> chosen;
  const int k = static_cast<int>(classes.size());
  for (int c = 0; c < k; ++c) {
    std::vector<int> idx = indices_of(from, classes[c]);
    int want = count / k + (c < count % k ? 1 : 0);
    if (static_cast<int>(idx.size()) < want)
      throw InputError(field + ": needs " + std::to_string(want) + " images of class " + std::to_string(classes[c]) +
                       " (" + fashion_class_name(classes[c]) + "), " + file + " has " + std::to_string(idx.size()));
    shuffle(idx, rng);
    chosen.insert(chosen.end(), idx.begin(), idx.begin() + want);
  }
  shuffle(chosen, rng);
  LabelledImages out;
  out.rows = from.rows;
  out.cols = from.cols;
  const std::size_t pixels = static_cast<std::size_t>(from.rows) * from.cols;
  for (int i : chosen) {
    out.labels.push_back(from.labels[i]);
    out.pixels.insert(out.pixels.end(), from.pixels.begin() + static_cast<std::ptrdiff_t>(i * pixels),
                      from.pixels.begin() + static_cast<std::ptrdiff_t>((i + 1) * pixels));
  }
  return out;
}

/// Tokens of every image: patch pixels / 255 projected by P (d × s²), plus positional·e_t.
Sequences tokenize(const LabelledImages& images, const DataConfig& c, const Eigen::MatrixXd& P,
                   const Eigen::MatrixXd& positions) {
  const int g = c.grid, s = images.rows / g, T = g * g, n = images.count();
  Sequences seq;
  seq.n = n;
  seq.T = T;
  seq.d = c.d;
  seq.X.resize(static_cast<Eigen::Index>(n) * T, c.d);
  seq.y.resize(n);
  seq.Z.resize(n, c.d);
  Eigen::VectorXd patch(s * s);
  for (int i = 0; i < n; ++i) {
    const std::uint8_t* img = images.pixels.data() + static_cast<std::size_t>(i) * images.rows * images.cols;
    for (int t = 0; t < T; ++t) {
      const int r0 = (t / g) * s, c0 = (t % g) * s;
      for (int r = 0; r < s; ++r)
        for (int q = 0; q < s; ++q) patch(r * s + q) = img[(r0 + r) * images.cols + c0 + q] / 255.0;
      seq.X.row(static_cast<Eigen::Index>(i) * T + t) = (P * patch + positions.col(t)).transpose();
    }
    seq.y(i) = images.labels[i] == c.classes[0] ? -1.0 : 1.0;
    auto tokens = seq.tokens(i);
    // The query: the mean patch token (a fixed "class" query from average pooling), or the first patch.
    seq.Z.row(i) =
        c.query == QueryMode::Cross ? Eigen::RowVectorXd(tokens.colwise().mean()) : Eigen::RowVectorXd(tokens.row(0));
  }
  return seq;
}

}  // namespace

const char* fashion_class_name(int label) {
  static const char* names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return label >= 0 && label < 10 ? names[label] : "?";
}

void register_file(const std::string& name, std::vector<std::uint8_t> bytes) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry()[name] = std::move(bytes);
}

void clear_registered_files() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry().clear();
}

std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& bytes, const std::string& name) {
#ifdef ATTNSVM_HAVE_ZLIB
  constexpr std::size_t kMaxOut = (std::size_t{1} << 28) + 64;  // the IDX reader's limit and its header
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) throw InputError(name + ": cannot start gzip decompression");
  std::vector<std::uint8_t> out;
  z.next_in = const_cast<Bytef*>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    if (out.size() >= kMaxOut) {
      inflateEnd(&z);
      throw InputError(name + ": decompresses to more than " + std::to_string(kMaxOut) + " bytes");
    }
    const std::size_t have = out.size();
    out.resize(std::min(kMaxOut, std::max<std::size_t>(2 * have, 1 << 20)));
    z.next_out = out.data() + have;
    z.avail_out = static_cast<uInt>(out.size() - have);
    status = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
    if (status != Z_OK && status != Z_STREAM_END) {
      const std::string why = z.msg ? z.msg : status == Z_BUF_ERROR ? "truncated" : "corrupt";
      inflateEnd(&z);
      throw InputError(name + ": invalid gzip data (" + why + ")");
    }
  }
  inflateEnd(&z);
  return out;
#else
  (void)bytes;
  throw InputError(name + ": is gzip-compressed and this build has no zlib; decompress it first (gunzip)");
#endif
}

std::vector<std::uint8_t> file_bytes(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    if (auto it = registry().find(name); it != registry().end()) return it->second;
  }
#ifdef __EMSCRIPTEN__
  // The module is built without a file system (FILESYSTEM=0): opening a file would throw a JS TypeError.
  throw InputError(name + ": not registered; the WebAssembly engine has no file system: pass the file's bytes to " +
                   "engine.registerImages(\"" + name + "\", bytes)");
#else
  std::string path = name;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && std::filesystem::exists(name + ".gz", ec)) path = name + ".gz";
  std::vector<std::uint8_t> bytes;
  try {
    bytes = read_binary_file(path);
  } catch (const InputError&) {
    throw InputError(name + ": not registered (registerImages) and cannot open the file or " + name +
                     ".gz; set data.path (or " + kFashionDirVariable +
                     ") to a directory with the IDX files, or run scripts/build-data.sh for the subset");
  }
  // Gzipped (Debian ships the IDX files as .gz): decompressed here, so the IDX reader sees the IDX bytes.
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return gunzip(bytes, path);
  if (path != name) throw InputError(path + ": not gzip data (" + std::to_string(bytes.size()) + " bytes)");
  return bytes;
#endif
}

std::vector<FashionDir> fashion_search_dirs() {
  std::vector<FashionDir> dirs;
#ifndef __EMSCRIPTEN__
  if (const char* env = std::getenv(kFashionDirVariable); env && *env)
    return {{env, std::string("$") + kFashionDirVariable}};
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && !exe.empty())
    dirs.push_back({(exe.parent_path() / ".." / "data" / "fashion-mnist").lexically_normal().string(),
                    "beside the executable " + exe.string() + " (scripts/build-data.sh)"});
  dirs.push_back({"/usr/share/datasets/fashion-mnist", "Debian's dataset-fashion-mnist"});
#endif
  return dirs;
}

LabelledImages labelled_images(const IdxArray& images, const IdxArray& labels, const std::string& images_name,
                               const std::string& labels_name) {
  if (images.dims.size() != 3)
    throw InputError(images_name + ": expected images (a rank-3 IDX array), got rank " +
                     std::to_string(images.dims.size()));
  if (labels.dims.size() != 1)
    throw InputError(labels_name + ": expected labels (a rank-1 IDX array), got rank " +
                     std::to_string(labels.dims.size()));
  if (images.dims[0] != labels.dims[0])
    throw InputError(labels_name + ": " + std::to_string(labels.dims[0]) + " labels for " +
                     std::to_string(images.dims[0]) + " images in " + images_name);
  if (images.dims[1] != 28 || images.dims[2] != 28)
    throw InputError(images_name + ": images must be 28×28, got " + std::to_string(images.dims[1]) + "×" +
                     std::to_string(images.dims[2]));
  LabelledImages out;
  out.rows = out.cols = 28;
  out.pixels = images.data;
  out.labels.reserve(labels.data.size());
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] > 9)
      throw InputError(labels_name + ": label " + std::to_string(labels.data[i]) + " of image " + std::to_string(i) +
                       " is not a class 0..9");
    out.labels.push_back(labels.data[i]);
  }
  return out;
}

FashionImages fashion_images(const DataConfig& c) {
  if (c.classes.size() != 2 || c.classes[0] == c.classes[1])
    throw InputError("data.classes: must be two different classes 0..9");
  std::string dir = c.path;
  bool registered;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registered = registry().count(kFashionFiles[0]) && registry().count(kFashionFiles[1]);
  }
#ifndef __EMSCRIPTEN__
  if (dir.empty() && !registered) {
    // The first directory of the search list that holds the training images (plain or gzipped).
    const std::vector<FashionDir> dirs = fashion_search_dirs();
    std::string looked;
    for (const FashionDir& candidate : dirs) {
      const std::string file = join(candidate.path, kFashionFiles[0]);
      std::error_code ec;
      if (std::filesystem::exists(file, ec) || std::filesystem::exists(file + ".gz", ec)) {
        dir = candidate.path;
        break;
      }
      looked += (looked.empty() ? "" : "; ") + candidate.path + " (" + candidate.why + ")";
    }
    if (dir.empty())
      throw InputError("data.path: no Fashion-MNIST images found: looked for " + std::string(kFashionFiles[0]) +
                       "(.gz) in " + looked + ". Set data.path or " + kFashionDirVariable +
                       " to a directory with the IDX files, run scripts/build-data.sh, or install Debian's "
                       "dataset-fashion-mnist");
  }
#endif
  auto resolve = [&](int first) { return load_pair(dir, first); };
  LabelledImages train = resolve(0);
  Rng rng(c.seed, kPickStream);
  FashionImages out;
  out.train = pick(train, c.classes, c.n, rng, "data.n", join(dir, kFashionFiles[0]));
  if (c.test_n > 0) {
    LabelledImages test = resolve(2);
    out.test = pick(test, c.classes, c.test_n, rng, "data.test_n", join(dir, kFashionFiles[2]));
  }
  return out;
}

Dataset fashion_tokens(const FashionImages& images, const DataConfig& c) {
  const int g = c.grid;
  if (images.train.rows % g != 0)
    throw InputError("data.grid: " + std::to_string(g) + " does not divide the image side " +
                     std::to_string(images.train.rows));
  const int s = images.train.rows / g, T = g * g;
  Rng rng(c.seed, kProjectionStream);
  // Gaussian projection with unit-variance rows scaled so that ‖P x‖ ≈ ‖x‖ (Johnson–Lindenstrauss).
  Eigen::MatrixXd P(c.d, s * s);
  for (Eigen::Index j = 0; j < P.cols(); ++j)
    for (Eigen::Index i = 0; i < P.rows(); ++i) P(i, j) = rng.normal() / std::sqrt(static_cast<double>(c.d));
  Eigen::MatrixXd positions = Eigen::MatrixXd::Zero(c.d, T);
  if (c.positional > 0)
    for (int t = 0; t < T; ++t) {
      Eigen::VectorXd e(c.d);
      for (int k = 0; k < c.d; ++k) e(k) = rng.normal();
      positions.col(t) = c.positional * e / e.norm();
    }
  Dataset data;
  data.query = c.query;
  data.train = tokenize(images.train, c, P, positions);
  if (images.test.count() > 0) data.test = tokenize(images.test, c, P, positions);
  return data;
}

Dataset fashion_dataset(const DataConfig& c) { return fashion_tokens(fashion_images(c), c); }

Eigen::MatrixXd patch_intensity(const LabelledImages& images, int grid) {
  const int s = images.rows / grid, T = grid * grid;
  Eigen::MatrixXd out(images.count(), T);
  for (int i = 0; i < images.count(); ++i) {
    const std::uint8_t* img = images.pixels.data() + static_cast<std::size_t>(i) * images.rows * images.cols;
    for (int t = 0; t < T; ++t) {
      const int r0 = (t / grid) * s, c0 = (t % grid) * s;
      double sum = 0;
      for (int r = 0; r < s; ++r)
        for (int q = 0; q < s; ++q) sum += img[(r0 + r) * images.cols + c0 + q];
      out(i, t) = sum / (255.0 * s * s);
    }
  }
  return out;
}

std::array<IdxArray, 4> fashion_subset(const std::string& source_dir, const std::vector<int>& classes,
                                       int train_per_class, int test_per_class, std::uint64_t seed) {
  if (classes.empty()) throw InputError("--classes: needs at least one class");
  for (int c : classes)
    if (c < 0 || c > 9) throw InputError("--classes: " + std::to_string(c) + " is not a class 0..9");
  std::array<IdxArray, 4> out;
  Rng rng(seed, kPickStream);
  for (int split = 0; split < 2; ++split) {
    LabelledImages all = load_pair(source_dir, 2 * split);
    const int per_class = split == 0 ? train_per_class : test_per_class;
    LabelledImages sub =
        pick(all, classes, per_class * static_cast<int>(classes.size()), rng,
             split == 0 ? "--train-per-class" : "--test-per-class", join(source_dir, kFashionFiles[2 * split]));
    const auto n = static_cast<std::uint32_t>(sub.count());
    out[2 * split] = {{n, 28u, 28u}, sub.pixels};
    out[2 * split + 1] = {{n}, std::vector<std::uint8_t>(sub.labels.begin(), sub.labels.end())};
  }
  return out;
}

}  // namespace attnsvm
