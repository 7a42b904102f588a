// The backend-neutral error of the store layer (store.h).
#pragma once

#include <stdexcept>
#include <string>

namespace jwks::store {

// What went wrong, as the services need to know it.
enum class StoreErrorKind {
  kBusy,         // lock contention that outlasted the wait: try again shortly (503)
  kUnavailable,  // the store cannot be reached or written now: down, read-only, full (503)
  kConflict,     // a constraint refused the change
  kInternal,     // anything else: a bug or a damaged store (500)
};

// Every failure of a backend. Each backend throws its own subclass, with its
// code in the message; callers decide on kind() alone.
class StoreError : public std::runtime_error {
 public:
  StoreError(StoreErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  StoreErrorKind kind() const { return kind_; }
  bool transient() const { return kind_ == StoreErrorKind::kBusy || kind_ == StoreErrorKind::kUnavailable; }

 private:
  StoreErrorKind kind_;
};

}  // namespace jwks::store
