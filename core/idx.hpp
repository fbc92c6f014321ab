#pragma once
// The IDX file format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte magic (0, 0, dtype, rank),
// rank big-endian uint32 dimensions, then the entries in row-major order. Only unsigned bytes
// (dtype 0x08) are supported, which is what both datasets ship. The reader is pure and total: any
// byte string either parses or throws InputError naming the file and what is wrong (it is fuzzed).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnsvm {

/// An IDX array of unsigned bytes: dims (outermost first) and the row-major entries.
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;

  /// Product of dims (the number of entries).
  std::size_t size() const;
};

/// Parses IDX bytes; `name` (a path or a registry name) prefixes every error message. Rejects gzip
/// data, a wrong magic, dtypes other than 0x08, rank 0 or > 4, zero dimensions, more than 2^28
/// entries, and a size that does not match the header (truncated or trailing bytes).
IdxArray read_idx(const std::uint8_t* bytes, std::size_t size, std::string_view name);
IdxArray read_idx(const std::vector<std::uint8_t>& bytes, std::string_view name);

/// The IDX encoding of an array (dtype 0x08); read_idx(write_idx(a)) == a.
std::vector<std::uint8_t> write_idx(const IdxArray& array);

/// Reads a whole file as bytes; throws InputError naming the path when it cannot be read.
std::vector<std::uint8_t> read_binary_file(const std::string& path);

}  // namespace attnsvm
