#include "idx.hpp"

#include <fstream>
#include <iterator>

#include "errors.hpp"

namespace attnsvm {
namespace {

constexpr std::size_t kMaxEntries = std::size_t{1} << 28;  // 256 MiB: the full training set is 47 MB
constexpr std::uint8_t kUnsignedByte = 0x08;

[[noreturn]] void fail(std::string_view name, const std::string& message) {
  throw InputError(std::string(name) + ": " + message);
}

std::string hex(unsigned value) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[(value >> 4) & 15] + digits[value & 15];
}

const char* dtype_name(std::uint8_t dtype) {
  switch (dtype) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return nullptr;
  }
}

}  // namespace

std::size_t IdxArray::size() const {
  std::size_t n = dims.empty() ? 0 : 1;
  for (std::uint32_t d : dims) n *= d;
  return n;
}

IdxArray read_idx(const std::uint8_t* bytes, std::size_t size, std::string_view name) {
  if (size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
    fail(name, "is gzip-compressed; decompress it first (gunzip, or scripts/build-data.sh)");
  if (size < 4) fail(name, "truncated: " + std::to_string(size) + " bytes, shorter than the 4-byte IDX magic");
  if (bytes[0] != 0 || bytes[1] != 0)
    fail(name, "not an IDX file: the magic must start with two zero bytes, got " + hex(bytes[0]) + " " + hex(bytes[1]));
  const std::uint8_t dtype = bytes[2], rank = bytes[3];
  if (dtype != kUnsignedByte) {
    const char* known = dtype_name(dtype);
    fail(name, std::string("IDX dtype ") + hex(dtype) + (known ? std::string(" (") + known + ")" : " (unknown)") +
                   " is not supported; only 0x08 (unsigned byte)");
  }
  if (rank < 1 || rank > 4) fail(name, "IDX rank " + std::to_string(rank) + " is not supported (1 to 4)");
  const std::size_t header = 4 + 4 * std::size_t{rank};
  if (size < header)
    fail(name, "truncated: the header of a rank-" + std::to_string(rank) + " IDX file needs " + std::to_string(header) +
                   " bytes, the file has " + std::to_string(size));
  IdxArray out;
  std::size_t entries = 1;
  std::string shape;
  for (std::size_t k = 0; k < rank; ++k) {
    const std::uint8_t* p = bytes + 4 + 4 * k;
    std::uint32_t dim = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    if (dim == 0) fail(name, "dimension " + std::to_string(k) + " is 0");
    if (dim > kMaxEntries || entries > kMaxEntries / dim)
      fail(name, "more than " + std::to_string(kMaxEntries) + " entries (dimension " + std::to_string(k) + " is " +
                     std::to_string(dim) + ")");
    entries *= dim;
    out.dims.push_back(dim);
    shape += (k ? "×" : "") + std::to_string(dim);
  }
  const std::size_t payload = size - header;
  if (payload < entries)
    fail(name, "truncated: a " + shape + " array needs " + std::to_string(entries) + " data bytes after the header, " +
                   "the file has " + std::to_string(payload));
  if (payload > entries)
    fail(name, std::to_string(payload - entries) + " unexpected bytes after the " + shape + " array");
  out.data.assign(bytes + header, bytes + size);
  return out;
}

IdxArray read_idx(const std::vector<std::uint8_t>& bytes, std::string_view name) {
  return read_idx(bytes.data(), bytes.size(), name);
}

std::vector<std::uint8_t> write_idx(const IdxArray& array) {
  if (array.dims.empty() || array.dims.size() > 4 || array.data.size() != array.size())
    throw InputError("write_idx: the dims do not match the data");
  std::vector<std::uint8_t> out = {0, 0, kUnsignedByte, static_cast<std::uint8_t>(array.dims.size())};
  for (std::uint32_t d : array.dims)
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(d >> shift));
  out.insert(out.end(), array.data.begin(), array.data.end());
  return out;
}

std::vector<std::uint8_t> read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError(path + ": read error");
  return bytes;
}

}  // namespace attnsvm
