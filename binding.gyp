{
  "targets": [{
    "target_name": "multiproc",
    "sources": ["native/multiproc.cc"],
    "cflags_cc": ["-std=c++20", "-O2", "-Wall", "-Wno-cast-function-type"],
    "libraries": ["-lrt"]
  }]
}
