#ifndef RAFTD_CZLIB_SHIM_H
#define RAFTD_CZLIB_SHIM_H
#include <zlib.h>
#endif
