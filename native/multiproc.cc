// multiproc's native part, kept small: what core Node cannot do on its own.
//  - open(): map a named POSIX shared memory segment as a real SharedArrayBuffer, so
//    Atomics work on it across processes (Node-API cannot create a SharedArrayBuffer); a new
//    segment's pages are reserved at once, so a full /dev/shm is ENOSPC, never a SIGBUS.
//  - wait()/wake(): the futex syscall on such memory (V8's Atomics.wait does not cross
//    processes; a futex on a MAP_SHARED page does).
//  - waitAsync(): the same wait without blocking the event loop and without a thread per
//    wait: one helper thread per JS thread waits on all of that thread's futexes at once
//    (futex_waitv, Linux 5.16+) and reports completions through a uv_async handle.
//  - setPdeathsig(): PR_SET_PDEATHSIG, so a child stuck in a wait still dies with its parent.
#include <node.h>
#include <uv.h>
#include <v8.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

namespace {

using v8::Array;
using v8::ArrayBuffer;
using v8::BackingStore;
using v8::Context;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::Global;
using v8::HandleScope;
using v8::Integer;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::Object;
using v8::SharedArrayBuffer;
using v8::String;
using v8::Value;

// Throws an Error whose `code` the TypeScript side maps to the library's errors.
void ThrowErrno(Isolate* isolate, const char* what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  Local<Value> e = v8::Exception::Error(String::NewFromUtf8(isolate, message).ToLocalChecked());
  Local<Context> ctx = isolate->GetCurrentContext();
  const char* code = err == EEXIST ? "EEXIST" : err == ENOENT ? "ENOENT" : err == EACCES ? "EACCES" : err == EINVAL ? "EINVAL"
      : err == ENOSPC ? "ENOSPC" : err == ENOMEM ? "ENOMEM" : err == EFBIG ? "EFBIG" : "ESHM";
  e.As<Object>()->Set(ctx, String::NewFromUtf8Literal(isolate, "code"), String::NewFromUtf8(isolate, code).ToLocalChecked()).Check();
  e.As<Object>()->Set(ctx, String::NewFromUtf8Literal(isolate, "errno"), Integer::New(isolate, err)).Check();
  isolate->ThrowException(e);
}

void ThrowType(Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::TypeError(String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

// Backs every page of a new segment now, so a full tmpfs (/dev/shm) is an ENOSPC here rather
// than a SIGBUS at the first touch of an unbacked page, wherever that happens to be. Returns 0
// or an errno. tmpfs supports fallocate; where a filesystem does not (EOPNOTSUPP, ENOSYS), a
// fresh (exclusive, so all-zero) segment is backed by writing a zero into each page instead;
// an existing one is left as ftruncate made it (its pages may already be backed; writing
// would clobber what is in them).
int Reserve(int fd, off_t size, bool fresh) {
  int err;
  do { err = posix_fallocate(fd, 0, size); } while (err == EINTR);
  if (err != EOPNOTSUPP && err != ENOSYS && err != EINVAL) return err;
  if (!fresh) return 0;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  const char zero = 0;
  for (off_t at = 0; at < size; at += page) {
    ssize_t n;
    do { n = pwrite(fd, &zero, 1, at); } while (n < 0 && errno == EINTR);
    if (n < 0) return errno;
  }
  return 0;
}

// open(name, size, create, exclusive) -> SharedArrayBuffer over the whole segment.
void Open(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() < 4 || !args[0]->IsString() || !args[1]->IsNumber()) return ThrowType(isolate, "open(name, size, create, exclusive)");
  String::Utf8Value name(isolate, args[0]);
  double size = args[1].As<Number>()->Value();
  bool create = args[2]->BooleanValue(isolate);
  bool exclusive = args[3]->BooleanValue(isolate);
  int flags = O_RDWR | (create ? O_CREAT : 0) | (exclusive ? O_EXCL : 0);
  int fd = shm_open(*name, flags, 0600);
  if (fd < 0) return ThrowErrno(isolate, "shm_open", errno);
  struct stat st;
  if (create && size > 0) {
    const char* step = "ftruncate";
    int err = ftruncate(fd, static_cast<off_t>(size)) != 0 ? errno : 0;
    if (err == 0) { step = "reserving the segment's pages"; err = Reserve(fd, static_cast<off_t>(size), exclusive); }
    if (err != 0) {
      close(fd);
      if (exclusive) shm_unlink(*name);
      return ThrowErrno(isolate, step, err);
    }
  }
  if (fstat(fd, &st) != 0) { int err = errno; close(fd); return ThrowErrno(isolate, "fstat", err); }
  size_t length = static_cast<size_t>(st.st_size);
  if (length == 0) { close(fd); return ThrowErrno(isolate, "the segment is empty", EINVAL); }
  void* data = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);  // the mapping keeps the segment
  if (data == MAP_FAILED) return ThrowErrno(isolate, "mmap", err);
  // The mapping lives as long as any SharedArrayBuffer over it, in any thread.
  std::unique_ptr<BackingStore> store = SharedArrayBuffer::NewBackingStore(
      data, length, [](void* p, size_t len, void*) { munmap(p, len); }, nullptr);
  args.GetReturnValue().Set(SharedArrayBuffer::New(isolate, std::move(store)));
}

void Unlink(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() < 1 || !args[0]->IsString()) return ThrowType(isolate, "unlink(name)");
  String::Utf8Value name(isolate, args[0]);
  if (shm_unlink(*name) != 0) return ThrowErrno(isolate, "shm_unlink", errno);
}

// The int32 cell at `offset` of a SharedArrayBuffer, checked (aligned, inside).
int32_t* Cell(const FunctionCallbackInfo<Value>& args, std::shared_ptr<BackingStore>* keep = nullptr) {
  Isolate* isolate = args.GetIsolate();
  if (!args[0]->IsSharedArrayBuffer() || !args[1]->IsNumber()) { ThrowType(isolate, "expected (SharedArrayBuffer, byteOffset, ...)"); return nullptr; }
  std::shared_ptr<BackingStore> store = args[0].As<SharedArrayBuffer>()->GetBackingStore();
  double offset = args[1].As<Number>()->Value();
  if (offset < 0 || offset + 4 > static_cast<double>(store->ByteLength()) || static_cast<int64_t>(offset) % 4 != 0) {
    ThrowType(isolate, "byteOffset must be a multiple of 4 inside the buffer");
    return nullptr;
  }
  int32_t* cell = reinterpret_cast<int32_t*>(static_cast<char*>(store->Data()) + static_cast<size_t>(offset));
  if (keep) *keep = store;
  return cell;
}

long Futex(int32_t* addr, int op, int32_t val, const struct timespec* timeout) {
  return syscall(SYS_futex, addr, op, val, timeout, nullptr, 0);
}

// wait(sab, offset, expected, timeoutMs | -1) -> 0 woken, 1 not equal, 2 timed out. Blocks.
void Wait(const FunctionCallbackInfo<Value>& args) {
  int32_t* cell = Cell(args);
  if (!cell) return;
  int32_t expected = static_cast<int32_t>(args[2].As<Number>()->Value());
  double ms = args[3]->IsNumber() ? args[3].As<Number>()->Value() : -1;
  struct timespec ts;
  struct timespec* timeout = nullptr;
  if (ms >= 0) {
    ts.tv_sec = static_cast<time_t>(ms / 1000);
    ts.tv_nsec = static_cast<long>((ms - ts.tv_sec * 1000.0) * 1e6);
    timeout = &ts;
  }
  long r;
  do { r = Futex(cell, FUTEX_WAIT, expected, timeout); } while (r != 0 && errno == EINTR && !timeout);
  int result = r == 0 ? 0 : errno == EAGAIN ? 1 : errno == ETIMEDOUT ? 2 : 0;
  args.GetReturnValue().Set(result);
}

// wake(sab, offset, count) -> how many waiters were woken (in any process).
void Wake(const FunctionCallbackInfo<Value>& args) {
  int32_t* cell = Cell(args);
  if (!cell) return;
  double count = args[2]->IsNumber() ? args[2].As<Number>()->Value() : 1;
  int n = count >= 2147483647.0 ? 2147483647 : static_cast<int>(count);
  args.GetReturnValue().Set(static_cast<int32_t>(Futex(cell, FUTEX_WAKE, n, nullptr)));
}

// --- waitAsync: one helper thread per JS thread, futex_waitv over all its waits -------------

struct AsyncWait {
  int32_t* addr;
  int32_t expected;
  int64_t deadline_ns;  // CLOCK_MONOTONIC; -1: none
  double id;
  int result = -1;
  std::shared_ptr<BackingStore> keep;  // the memory stays mapped while waited on
};

int64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

constexpr size_t kMaxWaits = 127;  // FUTEX_WAITV_MAX (128) minus the control word

struct Waiter {
  Isolate* isolate;
  Global<Function> dispatch;
  uv_async_t async;
  std::thread thread;
  std::mutex mu;
  std::vector<AsyncWait*> pending, done;
  std::atomic<uint32_t> control{0};
  bool stopping = false;
  size_t outstanding = 0;  // loop thread only: pending waits keep the loop alive

  void Poke() {
    control.fetch_add(1);
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&control), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }

  void Run() {
    std::vector<struct futex_waitv> vec;
    std::vector<AsyncWait*> in;
    for (;;) {
      int64_t deadline = -1;
      bool overflow = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stopping) return;
        vec.clear();
        in.clear();
        struct futex_waitv c = {};
        c.val = control.load();
        c.uaddr = reinterpret_cast<uintptr_t>(&control);
        c.flags = FUTEX_32 | FUTEX_PRIVATE_FLAG;
        vec.push_back(c);
        for (AsyncWait* w : pending) {
          if (w->deadline_ns >= 0 && (deadline < 0 || w->deadline_ns < deadline)) deadline = w->deadline_ns;
          if (in.size() == kMaxWaits) { overflow = true; continue; }
          struct futex_waitv f = {};
          f.val = static_cast<uint32_t>(w->expected);
          f.uaddr = reinterpret_cast<uintptr_t>(w->addr);
          f.flags = FUTEX_32;  // shared: other processes wake it
          vec.push_back(f);
          in.push_back(w);
        }
      }
      // More waits than one futex_waitv takes: the rest are polled every 5 ms.
      if (overflow) { int64_t soon = NowNs() + 5000000; if (deadline < 0 || soon < deadline) deadline = soon; }
      struct timespec ts;
      if (deadline >= 0) { ts.tv_sec = deadline / 1000000000LL; ts.tv_nsec = deadline % 1000000000LL; }
      long r = syscall(SYS_futex_waitv, vec.data(), static_cast<unsigned>(vec.size()), 0, deadline >= 0 ? &ts : nullptr, CLOCK_MONOTONIC);
      int64_t now = NowNs();
      bool any = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        for (size_t i = 0; i < pending.size();) {
          AsyncWait* w = pending[i];
          size_t slot = 0;
          for (size_t k = 0; k < in.size(); k++) if (in[k] == w) { slot = k + 1; break; }
          int result = -1;
          if (r >= 1 && static_cast<size_t>(r) == slot) result = 0;  // woken
          else if (__atomic_load_n(w->addr, __ATOMIC_SEQ_CST) != w->expected) result = 0;  // changed: look again
          else if (w->deadline_ns >= 0 && now >= w->deadline_ns) result = 2;
          if (result < 0) { i++; continue; }
          w->result = result;
          done.push_back(w);
          pending[i] = pending.back();
          pending.pop_back();
          any = true;
        }
      }
      if (any) uv_async_send(&async);
    }
  }

  // On the JS thread: hand completed waits to the dispatcher as (ids, results).
  static void OnAsync(uv_async_t* handle) {
    Waiter* self = static_cast<Waiter*>(handle->data);
    std::vector<AsyncWait*> batch;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      batch.swap(self->done);
    }
    if (batch.empty()) return;
    Isolate* isolate = self->isolate;
    HandleScope scope(isolate);
    Local<Function> fn = self->dispatch.Get(isolate);
    Local<Context> ctx = fn->GetCreationContextChecked();
    Context::Scope context_scope(ctx);
    Local<Array> ids = Array::New(isolate, static_cast<int>(batch.size()));
    Local<Array> results = Array::New(isolate, static_cast<int>(batch.size()));
    for (size_t i = 0; i < batch.size(); i++) {
      ids->Set(ctx, static_cast<uint32_t>(i), Number::New(isolate, batch[i]->id)).Check();
      results->Set(ctx, static_cast<uint32_t>(i), Integer::New(isolate, batch[i]->result)).Check();
      delete batch[i];
    }
    self->outstanding -= batch.size();
    if (self->outstanding == 0) uv_unref(reinterpret_cast<uv_handle_t*>(&self->async));
    Local<Value> argv[2] = {ids, results};
    node::MakeCallback(isolate, ctx->Global(), fn, 2, argv, {0, 0});
  }

  static void Cleanup(void* arg) {
    Waiter* self = static_cast<Waiter*>(arg);
    {
      std::lock_guard<std::mutex> lock(self->mu);
      self->stopping = true;
    }
    self->Poke();
    if (self->thread.joinable()) self->thread.join();
    // While the isolate is still alive (a Global outliving it crashes on destruction).
    self->dispatch.Reset();
    for (AsyncWait* w : self->pending) delete w;
    for (AsyncWait* w : self->done) delete w;
    uv_close(reinterpret_cast<uv_handle_t*>(&self->async), [](uv_handle_t* h) { delete static_cast<Waiter*>(h->data); });
  }
};

// One Waiter per JS thread (an addon instance per context), made on first use.
struct Instance {
  Waiter* waiter = nullptr;
};

// setDispatcher(fn): fn(ids, results) receives completed async waits.
void SetDispatcher(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Instance* inst = static_cast<Instance*>(args.Data().As<v8::External>()->Value());
  if (!args[0]->IsFunction()) return ThrowType(isolate, "setDispatcher(fn)");
  if (!inst->waiter) {
    Waiter* w = new Waiter();
    w->isolate = isolate;
    w->async.data = w;
    uv_async_init(node::GetCurrentEventLoop(isolate), &w->async, Waiter::OnAsync);
    uv_unref(reinterpret_cast<uv_handle_t*>(&w->async));
    w->thread = std::thread([w] { w->Run(); });
    node::AddEnvironmentCleanupHook(isolate, Waiter::Cleanup, w);
    inst->waiter = w;
  }
  inst->waiter->dispatch.Reset(isolate, args[0].As<Function>());
}

// waitAsync(sab, offset, expected, timeoutMs | -1, id): the dispatcher gets (id, 0|2) later.
void WaitAsync(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Instance* inst = static_cast<Instance*>(args.Data().As<v8::External>()->Value());
  if (!inst->waiter) return ThrowType(isolate, "call setDispatcher first");
  std::shared_ptr<BackingStore> keep;
  int32_t* cell = Cell(args, &keep);
  if (!cell) return;
  AsyncWait* w = new AsyncWait();
  w->addr = cell;
  w->expected = static_cast<int32_t>(args[2].As<Number>()->Value());
  double ms = args[3]->IsNumber() ? args[3].As<Number>()->Value() : -1;
  w->deadline_ns = ms >= 0 ? NowNs() + static_cast<int64_t>(ms * 1e6) : -1;
  w->id = args[4].As<Number>()->Value();
  w->keep = keep;
  Waiter* waiter = inst->waiter;
  if (waiter->outstanding++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(&waiter->async));
  {
    std::lock_guard<std::mutex> lock(waiter->mu);
    waiter->pending.push_back(w);
  }
  waiter->Poke();
}

// setPdeathsig(signal) -> the parent pid seen right after (compare: it may already be gone).
void SetPdeathsig(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  int sig = args[0]->IsNumber() ? static_cast<int>(args[0].As<Number>()->Value()) : 9;
  if (prctl(PR_SET_PDEATHSIG, sig) != 0) return ThrowErrno(isolate, "prctl", errno);
  args.GetReturnValue().Set(static_cast<int32_t>(getppid()));
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  // Isolate::GetCurrent(): Context::GetIsolate is gone from V8 in Node 26.
  Isolate* isolate = Isolate::GetCurrent();
  // Never unloaded: Node dlcloses an addon when the last thread that loaded it ends, but a
  // SharedArrayBuffer opened there may outlive that thread, and its deleter is code in here.
  static std::once_flag pinned;
  std::call_once(pinned, [] {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&Unlink), &info) && info.dli_fname) dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  });
  Instance* inst = new Instance();
  node::AddEnvironmentCleanupHook(isolate, [](void* p) { delete static_cast<Instance*>(p); }, inst);
  Local<v8::External> data = v8::External::New(isolate, inst);
  auto set = [&](const char* name, v8::FunctionCallback fn) {
    Local<Function> f = v8::FunctionTemplate::New(isolate, fn, data)->GetFunction(context).ToLocalChecked();
    exports->Set(context, String::NewFromUtf8(isolate, name).ToLocalChecked(), f).Check();
  };
  set("open", Open);
  set("unlink", Unlink);
  set("wait", Wait);
  set("wake", Wake);
  set("setDispatcher", SetDispatcher);
  set("waitAsync", WaitAsync);
  set("setPdeathsig", SetPdeathsig);
}
