#define BOOST_TEST_MODULE file
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "jwks/util/file.h"
#include "child_process.h"
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

// A rename that fails (the name is taken by a directory) leaves nothing
// behind: no temporary file, and errno says why.
BOOST_AUTO_TEST_CASE(a_failed_replace_removes_its_temporary_file) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("jwks.json");
  std::filesystem::create_directory(path);
  errno = 0;
  BOOST_TEST(!jwks::util::write_file_atomically(path, "{\"keys\":[]}"));
  BOOST_TEST(errno == EISDIR);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  BOOST_TEST(entries == 1);  // the directory itself
}

// A write cut short (here by a file size limit, RLIMIT_FSIZE: the first
// write(2) stores 4 bytes, the next fails with EFBIG) keeps the old file and
// removes the partial one.
BOOST_AUTO_TEST_CASE(a_short_write_keeps_the_old_file) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("jwks.json");
  BOOST_REQUIRE(jwks::util::write_file_atomically(path, "old"));
  const int rc = jwks::test::run_in_child([&] {
    ::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
    struct rlimit saved {};
    if (::getrlimit(RLIMIT_FSIZE, &saved) != 0) return 1;
    struct rlimit limit = saved;
    limit.rlim_cur = 4;
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 1;
    errno = 0;
    const bool written = jwks::util::write_file_atomically(path, "{\"keys\":[]}");
    const int error = errno;
    ::setrlimit(RLIMIT_FSIZE, &saved);  // before exit_child writes coverage counters
    if (written) return 2;
    return error == EFBIG ? 0 : 3;
  });
  BOOST_TEST(rc == 0);
  BOOST_TEST(jwks::util::read_file(path, 1024).value_or("") == "old");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  BOOST_TEST(entries == 1);
}

BOOST_AUTO_TEST_CASE(read_file_refuses_what_is_missing_too_long_or_unreadable) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("f");
  BOOST_REQUIRE(jwks::util::write_file_atomically(path, "12345"));
  BOOST_TEST(jwks::util::read_file(path, 5).value_or("") == "12345");  // exactly the limit
  BOOST_TEST(!jwks::util::read_file(path, 4).has_value());
  BOOST_TEST(!jwks::util::read_file(dir.file("missing"), 5).has_value());
  BOOST_TEST(!jwks::util::read_file(dir.path().string(), 5).has_value());  // read(2) fails: EISDIR
  BOOST_REQUIRE(jwks::util::write_file_atomically(path, ""));
  auto empty = jwks::util::read_file(path, 5);
  BOOST_REQUIRE(empty.has_value());
  BOOST_TEST(empty->empty());
  // More than one read(2): 20000 bytes through an 8 KiB buffer.
  const std::string big(20000, 'k');
  BOOST_REQUIRE(jwks::util::write_file_atomically(path, big));
  BOOST_TEST(jwks::util::read_file(path, big.size()).value_or("") == big);
  BOOST_TEST(!jwks::util::read_file(path, big.size() - 1).has_value());
}

// The master key file: the same limits, read into one buffer.
BOOST_AUTO_TEST_CASE(read_secret_file_has_the_same_limits) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("master.key");
  BOOST_REQUIRE(jwks::util::write_file_atomically(path, "0123456789abcdef"));
  BOOST_TEST(jwks::util::read_secret_file(path, 16).value_or("") == "0123456789abcdef");
  BOOST_TEST(jwks::util::read_secret_file(path, 64).value_or("") == "0123456789abcdef");
  BOOST_TEST(!jwks::util::read_secret_file(path, 15).has_value());
  BOOST_TEST(!jwks::util::read_secret_file(dir.file("missing"), 16).has_value());
  BOOST_TEST(!jwks::util::read_secret_file(dir.path().string(), 16).has_value());  // EISDIR
  BOOST_REQUIRE(jwks::util::write_file_atomically(path, ""));
  auto empty = jwks::util::read_secret_file(path, 16);
  BOOST_REQUIRE(empty.has_value());
  BOOST_TEST(empty->empty());
}

// file_identity tells "the same file" from "a file replaced under this name".
BOOST_AUTO_TEST_CASE(file_identity_follows_the_file_not_the_name) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("a"), link = dir.file("b");
  BOOST_TEST(!jwks::util::file_identity(path).has_value());
  BOOST_REQUIRE(jwks::util::write_file_atomically(path, "1"));
  BOOST_REQUIRE(::link(path.c_str(), link.c_str()) == 0);
  auto first = jwks::util::file_identity(path);
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST((jwks::util::file_identity(link) == first));  // a hard link: one file
  BOOST_REQUIRE(jwks::util::write_file_atomically(path, "2"));  // a new inode under the old name
  BOOST_TEST((jwks::util::file_identity(path) != first));
  BOOST_TEST((jwks::util::file_identity(link) == first));
}
