#ifndef TINKERCACHE_SRC_STORAGE_ENGINE_HANDLER_H_
#define TINKERCACHE_SRC_STORAGE_ENGINE_HANDLER_H_

#include "src/core/clock.h"
#include "src/core/handler.h"
#include "src/storage/engine.h"

namespace tinkercache {

// The default handler: binds every data command to a storage engine.
// Subclass it to override a few commands and keep the rest.
class EngineHandler : public Handler {
 public:
  EngineHandler(Engine& engine, const Clock& clock)
      : engine_(engine), clock_(clock) {}

  Status Get(const Request& request, ResponseSink& sink) override;
  Status GetAndTouch(const Request& request, ResponseSink& sink) override;
  Status Touch(const Request& request, ResponseSink& sink) override;
  Status Set(const Request& request, ResponseSink& sink) override;
  Status Add(const Request& request, ResponseSink& sink) override;
  Status Replace(const Request& request, ResponseSink& sink) override;
  Status Append(const Request& request, ResponseSink& sink) override;
  Status Prepend(const Request& request, ResponseSink& sink) override;
  Status Cas(const Request& request, ResponseSink& sink) override;
  Status Delete(const Request& request, ResponseSink& sink) override;
  Status Incr(const Request& request, ResponseSink& sink) override;
  Status Decr(const Request& request, ResponseSink& sink) override;
  Status Flush(const Request& request, ResponseSink& sink) override;
  Status MetaDebug(const Request& request, ResponseSink& sink) override;
  Status MemoryLimit(const Request& request, ResponseSink& sink) override;
  Status Stats(const Request& request, ResponseSink& sink) override;
  void ListItems(ItemListVisitor visit) override { engine_.ListItems(visit); }

  Engine& engine() { return engine_; }

 protected:
  uint32_t Deadline(int64_t exptime) const {
    return DeadlineFromExptime(exptime, clock_.NowSeconds());
  }

 private:
  Status Store(StoreMode mode, const Request& request, ResponseSink& sink,
               std::optional<uint64_t> expected_cas);
  Status Arithmetic(bool increment, const Request& request,
                    ResponseSink& sink);
  // A get with meta options: answers with the item's metadata.
  // With `peek` (meta debug) it only looks.
  Status Fetch(const Request& request, std::optional<uint32_t> new_deadline,
               ResponseSink& sink, bool peek = false);

  Engine& engine_;
  const Clock& clock_;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_STORAGE_ENGINE_HANDLER_H_
