// Small whole-file helpers for files other processes read (the exported JWKS).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace jwks::util {

// Writes `text` to `path` through a temporary file in the same directory,
// fsync(2) and rename(2), so a reader (a web server) sees the old file or the
// new one, never a partial one. Mode 0644. False (errno set) on failure; the
// temporary file is removed.
bool write_file_atomically(const std::string& path, const std::string& text);

// The file's contents, or nullopt if it cannot be read or is longer than
// `max_bytes`.
std::optional<std::string> read_file(const std::string& path, std::size_t max_bytes);

// The same for a file that holds a secret (a master key): read straight into
// one buffer allocated up front, so no copy is left behind in freed memory.
// The caller wipes the result (crypto::cleanse) when done with it.
std::optional<std::string> read_secret_file(const std::string& path, std::size_t max_bytes);

// Which file `path` names now (stat(2): device and inode), or nullopt if none.
struct FileIdentity {
  std::uint64_t device = 0, inode = 0;
  bool operator==(const FileIdentity&) const = default;
};
std::optional<FileIdentity> file_identity(const std::string& path);

}  // namespace jwks::util
