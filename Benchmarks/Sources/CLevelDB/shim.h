#ifndef LSM_BENCH_CLEVELDB_SHIM_H
#define LSM_BENCH_CLEVELDB_SHIM_H
#include <leveldb/c.h>
#endif
