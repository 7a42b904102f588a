// A value or an error, for operations whose failure is an expected outcome
// (untrusted input, a tampered ciphertext) rather than a broken invariant.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace jwks::util {

template <typename E>
struct Failure {
  E error;
};

// Makes a failed Result: `return fail(Error::kBadInput);`.
template <typename E>
Failure<E> fail(E e) {
  return Failure<E>{std::move(e)};
}

// Result<T, E> holds either a T or an E. Accessing the wrong alternative is a
// programming error (asserted), never a silent default.
template <typename T, typename E>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Failure<E> f) : v_(std::in_place_index<1>, std::move(f.error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace jwks::util
