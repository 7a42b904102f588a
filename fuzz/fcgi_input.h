// The input format of the FastCGI targets: "NAME=value" parameters, each
// ended by a backslash and a newline, an empty parameter, then the body
// (FuzzedDataProvider strings). Parameters are handed over as C strings, as
// the FastCGI library does, so a NUL byte ends one.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jwks::fuzz {

struct FcgiInput {
  std::vector<std::string> params;
  std::vector<const char*> pointers;  // into params, nullptr-terminated like environ
  std::string body;

  // The value of the last parameter `name` as the C string sees it.
  std::optional<std::string_view> last(std::string_view name) const {
    std::optional<std::string_view> found;
    for (const char* p : pointers) {
      if (p == nullptr) break;
      std::string_view kv(p);
      if (kv.size() > name.size() && kv.substr(0, name.size()) == name && kv[name.size()] == '=')
        found = kv.substr(name.size() + 1);
    }
    return found;
  }
};

inline FcgiInput read_fcgi_input(FuzzedDataProvider& in) {
  FcgiInput r;
  while (r.params.size() < 64 && in.remaining_bytes() > 0) {
    std::string p = in.ConsumeRandomLengthString(4096);
    if (p.empty()) break;
    r.params.push_back(std::move(p));
  }
  r.body = in.ConsumeRemainingBytesAsString();
  for (const std::string& p : r.params) r.pointers.push_back(p.c_str());
  r.pointers.push_back(nullptr);
  return r;
}

}  // namespace jwks::fuzz
