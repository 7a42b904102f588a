// Loads known-answer data from tests/vectors/.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace jwks::test {

inline nlohmann::json load_vector(const std::string& name) {
  std::ifstream in(std::string(JWKS_VECTORS_DIR) + "/" + name);
  if (!in) throw std::runtime_error("cannot open vector file " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

}  // namespace jwks::test
