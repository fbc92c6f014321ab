// Fashion-MNIST: the IDX reader, the subset, the tokenised dataset and short real-data runs.
#include <cstdint>
#include <filesystem>

#include "errors.hpp"
#include "fashion.hpp"
#include "helpers.hpp"
#include "idx.hpp"
#include "rng.hpp"

using namespace attnsvm;
using attnsvm::testing::config_of;
using attnsvm::testing::run_shell;
using attnsvm::testing::temp_file;
using attnsvm::testing::temp_path;

namespace {

const std::string kCli = ATTNSVM_CLI;
const std::string kSource = ATTNSVM_SOURCE_DIR;
const std::string kSubset = kSource + "/build/data/fashion-mnist";

/// The subset of scripts/build-data.sh (cached; made on first use).
const std::string& subset_dir() {
  static const bool made = [] {
    std::string err;
    int code = run_shell("cd " + kSource + " && ATTNSVM_CLI=" + kCli + " bash scripts/build-data.sh", nullptr, &err);
    INFO(err);
    REQUIRE(code == 0);
    return true;
  }();
  (void)made;
  return kSubset;
}

/// The message of the InputError that `f` throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A fake Fashion-MNIST directory: `count` random images per split with labels cycling 0..9.
std::string fake_source(int count) {
  std::string dir = temp_path("-fashion");
  std::filesystem::remove(dir);
  std::filesystem::create_directory(dir);
  Rng rng(5);
  for (int split = 0; split < 2; ++split) {
    IdxArray images{{static_cast<std::uint32_t>(count), 28, 28}, {}}, labels{{static_cast<std::uint32_t>(count)}, {}};
    for (int i = 0; i < count * 784; ++i) images.data.push_back(static_cast<std::uint8_t>(rng.next_u32()));
    for (int i = 0; i < count; ++i) labels.data.push_back(static_cast<std::uint8_t>(i % 10));
    for (int k = 0; k < 2; ++k) {
      auto bytes = write_idx(k == 0 ? images : labels);
      std::ofstream(dir + "/" + kFashionFiles[2 * split + k], std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
  }
  return dir;
}

std::string read_all(const std::string& path) {
  auto bytes = read_binary_file(path);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST_CASE("the IDX reader round-trips and rejects truncated, gzipped and wrong files with the file's name") {
  IdxArray a{{2, 3}, {1, 2, 3, 4, 5, 6}};
  std::vector<std::uint8_t> bytes = write_idx(a);
  REQUIRE(bytes.size() == 4 + 8 + 6);
  IdxArray b = read_idx(bytes, "a.idx");
  CHECK(b.dims == a.dims);
  CHECK(b.data == a.data);

  auto truncated = bytes;
  truncated.pop_back();
  std::string e = error_of([&] { read_idx(truncated, "images.idx"); });
  CHECK(contains(e, "images.idx: truncated"));
  CHECK(contains(e, "needs 6 data bytes"));
  CHECK(contains(error_of([&] { read_idx(bytes.data(), 7, "h.idx"); }), "h.idx: truncated: the header"));
  CHECK(contains(error_of([&] { read_idx(bytes.data(), 2, "m.idx"); }), "m.idx: truncated"));
  auto trailing = bytes;
  trailing.push_back(0);
  CHECK(contains(error_of([&] { read_idx(trailing, "t.idx"); }), "t.idx: 1 unexpected bytes"));
  auto magic = bytes;
  magic[0] = 'P';
  CHECK(contains(error_of([&] { read_idx(magic, "x.png"); }), "x.png: not an IDX file"));
  auto dtype = bytes;
  dtype[2] = 0x0D;
  CHECK(contains(error_of([&] { read_idx(dtype, "f.idx"); }), "dtype 0x0d (float) is not supported"));
  auto rank = bytes;
  rank[3] = 9;
  CHECK(contains(error_of([&] { read_idx(rank, "r.idx"); }), "rank 9"));
  auto zero = bytes;
  zero[7] = 0;
  CHECK(contains(error_of([&] { read_idx(zero, "z.idx"); }), "dimension 0 is 0"));
  std::vector<std::uint8_t> huge = {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2};
  CHECK(contains(error_of([&] { read_idx(huge, "big.idx"); }), "big.idx: more than"));
  std::vector<std::uint8_t> gz = {0x1f, 0x8b, 8, 0};
  CHECK(contains(error_of([&] { read_idx(gz, "a.gz"); }), "a.gz: is gzip-compressed"));
  CHECK(contains(error_of([&] { read_idx(nullptr, 0, "empty"); }), "empty: truncated"));

  // Every prefix of a valid file is rejected, never read past its end.
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) CHECK_THROWS_AS(read_idx(bytes.data(), cut, "p"), InputError);
}

TEST_CASE("a truncated image file in data.path fails the config with the file named") {
  std::string dir = fake_source(20);
  std::filesystem::resize_file(dir + "/train-images-idx3-ubyte", 1000);
  std::string e = error_of([&] {
    make_dataset(config_of(R"({"data": {"kind": "fashion-mnist", "path": ")" + dir + R"(", "n": 4}})").data);
  });
  CHECK(contains(e, dir + "/train-images-idx3-ubyte: truncated"));
  CHECK(contains(
      error_of([&] { make_dataset(config_of(R"({"data": {"kind": "fashion-mnist", "path": "/nonexistent"}})").data); }),
      "/nonexistent/train-images-idx3-ubyte: not registered"));
}

TEST_CASE("fashion-mnist config fields are validated by name") {
  auto err = [](const std::string& data) {
    return error_of([&] { parse_config(R"({"data": {"kind": "fashion-mnist", )" + data + "}}"); });
  };
  CHECK(contains(err(R"("classes": [3])"), "data.classes"));
  CHECK(contains(err(R"("classes": [3, 3])"), "data.classes"));
  CHECK(contains(err(R"("classes": [0, 12])"), "data.classes[1]"));
  CHECK(contains(err(R"("grid": 5)"), "data.grid"));
  CHECK(contains(err(R"("grid": 4, "T": 8)"), "data.T"));
  CHECK(contains(err(R"("positional": -1)"), "data.positional"));
  CHECK(contains(error_of([] { parse_config(R"({"data": {"kind": "gaussian-unit", "classes": [0, 1]}})"); }),
                 "data.classes"));
  Config c = parse_config(R"({"data": {"kind": "fashion-mnist", "grid": 7, "classes": [1, 8], "d": 12}})");
  CHECK(c.data.T == 49);
  CHECK(parse_config(to_json(c)).data.classes == std::vector<int>{1, 8});
}

TEST_CASE("the subset is deterministic for a seed, and the dataset too") {
  std::string src = fake_source(300);
  std::string a = temp_path("-a"), b = temp_path("-b"), c = temp_path("-c");
  for (const auto& dir : {a, b, c}) std::filesystem::remove(dir), std::filesystem::create_directory(dir);
  auto subset = [&](const std::string& out, int seed) {
    return run_shell(kCli + " fashion-subset " + src + " --out-dir " + out +
                     " --classes 1,8 --train-per-class 20 --test-per-class 10 --seed " + std::to_string(seed));
  };
  REQUIRE(subset(a, 3) == 0);
  REQUIRE(subset(b, 3) == 0);
  REQUIRE(subset(c, 4) == 0);
  for (const char* f : kFashionFiles) CHECK(read_all(a + "/" + f) == read_all(b + "/" + f));
  CHECK(read_all(a + "/train-images-idx3-ubyte") != read_all(c + "/train-images-idx3-ubyte"));
  IdxArray labels = read_idx(read_binary_file(a + "/train-labels-idx1-ubyte"), "labels");
  CHECK(labels.dims == std::vector<std::uint32_t>{40});
  CHECK(std::count(labels.data.begin(), labels.data.end(), 1) == 20);
  std::string err;
  CHECK(run_shell(kCli + " fashion-subset " + src + " --out-dir " + a + " --train-per-class 500", nullptr, &err) == 2);
  CHECK(contains(err, "--train-per-class: needs 500 images of class 0"));

  std::string config = R"({"data": {"kind": "fashion-mnist", "path": ")" + a +
                       R"(", "classes": [1, 8], "n": 30, "test_n": 12, "d": 8, "seed": 2}})";
  Dataset d1 = make_dataset(config_of(config).data), d2 = make_dataset(config_of(config).data);
  CHECK(d1.train.X == d2.train.X);
  CHECK(d1.test->y == d2.test->y);
  CHECK(d1.train.T == 16);
  CHECK(d1.train.y.sum() == 0);  // balanced: 15 of each class
}

TEST_CASE("registered bytes and files give the same dataset") {
  const std::string& dir = subset_dir();
  std::string config =
      R"({"data": {"kind": "fashion-mnist", "classes": [0, 7], "n": 50, "test_n": 20, "d": 6, "positional": 0.5, "path": ")";
  Dataset from_files = make_dataset(config_of(config + dir + "\"}}").data);
  for (const char* f : kFashionFiles) register_file(std::string("mem/") + f, read_binary_file(dir + "/" + f));
  Dataset from_registry = make_dataset(config_of(config + "mem\"}}").data);
  clear_registered_files();
  CHECK(from_files.train.X == from_registry.train.X);
  CHECK(from_files.train.Z == from_registry.train.Z);
  CHECK(from_files.test->X == from_registry.test->X);
  // The query is the mean patch token.
  CHECK((from_files.train.Z.row(3) - from_files.train.tokens(3).colwise().mean()).norm() < 1e-15);
}

TEST_CASE("a short CLI run on the subset reaches test accuracy >= 0.8 with GD and with MD (T-shirt vs sneaker)") {
  const std::string& dir = subset_dir();
  for (const char* optimizer : {R"({"kind": "gd", "lr": 2})", R"({"kind": "md", "p": 1.1, "lr": 2})"}) {
    CAPTURE(optimizer);
    std::string config = temp_file(R"({"data": {"kind": "fashion-mnist", "path": ")" + dir +
                                   R"(", "classes": [0, 7], "n": 400, "test_n": 400, "d": 16, "seed": 1},
      "model": {"decoder": "trained", "init": {"kind": "gaussian", "std": 0.1, "seed": 1}},
      "optimizer": )" + optimizer + R"(, "run": {"iterations": 100, "record_every": 100}})");
    std::string out, err;
    REQUIRE(run_shell(kCli + " run " + config, &out, &err) == 0);
    INFO(out, err);
    std::stringstream lines(out);
    std::string header, row, last;
    std::getline(lines, header);
    while (std::getline(lines, row)) last = row;
    auto cells = [](const std::string& s) {
      std::vector<std::string> v;
      std::stringstream in(s);
      for (std::string c; std::getline(in, c, ',');) v.push_back(c);
      return v;
    };
    auto names = cells(header), values = cells(last);
    auto at = std::find(names.begin(), names.end(), "test_acc");
    REQUIRE(at != names.end());
    double test_acc = std::stod(values[at - names.begin()]);
    CHECK(test_acc >= 0.8);
  }
}
