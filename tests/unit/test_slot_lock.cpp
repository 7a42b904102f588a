#define BOOST_TEST_MODULE slot_lock
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "jwks/util/slot_lock.h"
#include "child_process.h"
#include "temp_dir.h"

using jwks::util::SlotLock;

BOOST_AUTO_TEST_CASE(at_most_n_holders_and_a_released_slot_is_free_again) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("slots");
  std::optional<SlotLock> a, b, c;
  BOOST_TEST((SlotLock::try_acquire(path, 2, a) == SlotLock::Outcome::kAcquired));
  BOOST_TEST((SlotLock::try_acquire(path, 2, b) == SlotLock::Outcome::kAcquired));
  BOOST_TEST(a->slot() != b->slot());
  BOOST_TEST((SlotLock::try_acquire(path, 2, c) == SlotLock::Outcome::kAllTaken));
  BOOST_TEST(!c.has_value());
  a.reset();
  BOOST_TEST((SlotLock::try_acquire(path, 2, c) == SlotLock::Outcome::kAcquired));
  BOOST_TEST((SlotLock::try_acquire(dir.file("no/such/dir"), 2, a) == SlotLock::Outcome::kUnavailable));
}

// Another process sees the slots this one holds, and a process that dies
// (here: exits without releasing) frees its slot.
BOOST_AUTO_TEST_CASE(slots_are_shared_across_processes_and_freed_by_death) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("slots");
  std::optional<SlotLock> held;
  BOOST_REQUIRE((SlotLock::try_acquire(path, 1, held) == SlotLock::Outcome::kAcquired));
  auto child_outcome = [&](bool hold_and_die) {
    return jwks::test::run_in_child([&] {
      std::optional<SlotLock> mine;
      const SlotLock::Outcome o = SlotLock::try_acquire(path, 1, mine);
      if (hold_and_die) jwks::test::exit_child(o == SlotLock::Outcome::kAcquired ? 0 : 1);  // no destructor runs
      return o == SlotLock::Outcome::kAllTaken ? 2 : 3;
    });
  };
  BOOST_TEST(child_outcome(false) == 2);  // taken by this process
  held.reset();
  BOOST_TEST(child_outcome(true) == 0);  // acquired, then died holding it
  BOOST_TEST((SlotLock::try_acquire(path, 1, held) == SlotLock::Outcome::kAcquired));
}

// No slots configured: nothing can be acquired, and no lock file is made.
BOOST_AUTO_TEST_CASE(zero_slots_are_all_taken_without_touching_the_file) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("slots");
  std::optional<SlotLock> held;
  BOOST_TEST((SlotLock::try_acquire(path, 0, held) == SlotLock::Outcome::kAllTaken));
  BOOST_TEST((SlotLock::try_acquire(path, -1, held) == SlotLock::Outcome::kAllTaken));
  BOOST_TEST(!held.has_value());
  BOOST_TEST(::access(path.c_str(), F_OK) != 0);
}

// A symbolic link in place of the lock file is refused (O_NOFOLLOW), so a
// planted link cannot make the service create or lock another file.
BOOST_AUTO_TEST_CASE(a_symbolic_link_is_not_followed) {
  jwks::test::TempDir dir;
  const std::string target = dir.file("elsewhere"), path = dir.file("slots");
  BOOST_REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
  std::optional<SlotLock> held;
  errno = 0;
  BOOST_TEST((SlotLock::try_acquire(path, 1, held) == SlotLock::Outcome::kUnavailable));
  BOOST_TEST(errno == ELOOP);
  BOOST_TEST(!held.has_value());
  BOOST_TEST(::access(target.c_str(), F_OK) != 0);
}
