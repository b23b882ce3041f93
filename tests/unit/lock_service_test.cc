// The lock service example's lease rules, on a manual clock.

#include "examples/lock_service/lock_service.h"
#include "gtest/gtest.h"

namespace tinkercache::examples {
namespace {

TEST(LockTable, OneOwnerAtATimeUntilTheLeaseEnds) {
  ManualClock clock;
  LockTable table(clock);
  std::string holder;
  EXPECT_EQ(table.Lock("door", "ann", 10, true, &holder), Status::kOk);
  EXPECT_EQ(table.Lock("door", "bob", 10, true, &holder), Status::kExists);
  EXPECT_EQ(holder, "ann");
  EXPECT_EQ(table.Lock("door", "bob", 10, false, &holder), Status::kExists);
  // lock renews for its owner; trylock does not.
  EXPECT_EQ(table.Lock("door", "ann", 10, false, &holder), Status::kExists);
  clock.Advance(9);
  EXPECT_EQ(table.Lock("door", "ann", 10, true, &holder), Status::kOk);
  clock.Advance(9);  // within the renewed lease
  EXPECT_EQ(table.Lock("door", "bob", 10, false, &holder), Status::kExists);
  clock.Advance(1);  // the lease has run out: bob may take it
  EXPECT_EQ(table.Lock("door", "bob", 10, false, &holder), Status::kOk);
}

TEST(LockTable, UnlockOnlyByTheHolder) {
  ManualClock clock;
  LockTable table(clock);
  std::string holder;
  EXPECT_EQ(table.Unlock("door", "ann", &holder), Status::kNotFound);
  table.Lock("door", "ann", 10, true, &holder);
  EXPECT_EQ(table.Unlock("door", "bob", &holder), Status::kExists);
  EXPECT_EQ(holder, "ann");
  EXPECT_EQ(table.Unlock("door", "ann", &holder), Status::kOk);
  EXPECT_EQ(table.Unlock("door", "ann", &holder), Status::kNotFound);
  table.Lock("gate", "ann", 5, true, &holder);
  clock.Advance(5);
  EXPECT_EQ(table.Unlock("gate", "ann", &holder), Status::kNotFound);
}

}  // namespace
}  // namespace tinkercache::examples
