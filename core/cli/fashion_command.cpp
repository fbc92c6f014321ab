// attnsvm fashion-subset: the data of the real-data experiment (docs/fashion-mnist.md).
//
// fashion-subset SRC_DIR --out-dir DIR [--classes 0,1,7,8] [--train-per-class N] [--test-per-class N]
//                [--seed S]
//   reads the four uncompressed Fashion-MNIST IDX files of SRC_DIR with the core's IDX reader and
//   writes a deterministic subset (same file names) into DIR; the page loads it (scripts/build-data.sh).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "../errors.hpp"
#include "../fashion.hpp"
#include "../idx.hpp"
#include "commands.hpp"

namespace attnsvm::cli {
namespace {

std::vector<int> parse_classes(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    out.push_back(static_cast<int>(parse_integer(item, "--classes", 0, 9)));
  return out;
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  write_output(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace

int fashion_subset_command(const Args& input) {
  Args args = input;
  const std::string out_dir = take_option(args, "--out-dir");
  const std::vector<int> classes = parse_classes(take_option(args, "--classes", "0,1,7,8"));
  const int train =
      static_cast<int>(parse_integer(take_option(args, "--train-per-class", "1000"), "--train-per-class", 1, 6000));
  const int test =
      static_cast<int>(parse_integer(take_option(args, "--test-per-class", "500"), "--test-per-class", 1, 1000));
  const auto seed = static_cast<std::uint64_t>(parse_integer(take_option(args, "--seed", "1"), "--seed", 0, 1L << 30));
  for (const auto& a : args)
    if (a.rfind("--", 0) == 0) throw InputError(a + ": unknown option of attnsvm fashion-subset");
  if (args.size() != 1 || out_dir.empty())
    throw InputError(
        "usage: attnsvm fashion-subset SRC_DIR --out-dir DIR [--classes 0,1,7,8] [--train-per-class N] "
        "[--test-per-class N] [--seed S]");
  auto subset = fashion_subset(args[0], classes, train, test, seed);
  for (std::size_t k = 0; k < subset.size(); ++k) {
    std::string path = out_dir + "/" + kFashionFiles[k];
    std::vector<std::uint8_t> bytes = write_idx(subset[k]);
    write_bytes(path, bytes);
    read_idx(read_binary_file(path), path);  // what the page will load, validated by the same reader
  }
  std::cerr << "attnsvm fashion-subset: " << subset[0].dims[0] << " training and " << subset[2].dims[0]
            << " test images of classes";
  for (int c : classes) std::cerr << " " << c << " (" << fashion_class_name(c) << ")";
  std::cerr << " in " << out_dir << "\n";
  return kExitOk;
}

}  // namespace attnsvm::cli
