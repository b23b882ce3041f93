#include "src/storage/engine.h"

namespace tinkercache {

Status Engine::Fetch(const FetchArgs& args, ItemVisitor visit) {
  uint8_t state = 0;
  auto report = [&](const ItemView& item) {
    ItemView v = item;
    v.previous_deadline = item.deadline;
    v.state = state;
    v.footprint = static_cast<uint32_t>(item.key.size() + item.value.size());
    visit(v);
  };
  auto read = [&] {
    return args.new_deadline ? GetAndTouch(args.key, *args.new_deadline, report)
                             : Get(args.key, report);
  };
  Status status = read();
  if (status != Status::kNotFound || !args.vivify_deadline) return status;
  // Only one of many clients racing on the miss adds the item: that one
  // wins the recache.
  const StoreResult added = Store(StoreArgs{StoreMode::kAdd, args.key, {}, 0,
                                            *args.vivify_deadline});
  if (added.status == Status::kOk) state = kItemCreated | kItemWon;
  // N after T: the created item keeps N's deadline.
  if (added.status == Status::kOk && args.vivify_last) {
    return Get(args.key, report);
  }
  return read();
}

}  // namespace tinkercache
