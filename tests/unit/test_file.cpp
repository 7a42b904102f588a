#define BOOST_TEST_MODULE file
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "jwks/util/file.h"
#include "temp_dir.h"

// The exported key set: written whole or not at all, readable by the web
// server, with no temporary file left beside it.
BOOST_AUTO_TEST_CASE(a_file_is_replaced_atomically_and_left_world_readable) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("jwks.json");
  BOOST_TEST(jwks::util::write_file_atomically(path, "first"));
  BOOST_TEST(jwks::util::write_file_atomically(path, "{\"keys\":[]}"));
  BOOST_TEST(jwks::util::read_file(path, 1024).value_or("") == "{\"keys\":[]}");
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0644u);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) ++entries;
  BOOST_TEST(entries == 1);
  BOOST_TEST(!jwks::util::write_file_atomically(dir.file("missing/jwks.json"), "x"));
}
