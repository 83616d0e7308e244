#ifndef TEENYGRAD_CZLIB_SHIM_H
#define TEENYGRAD_CZLIB_SHIM_H
#include <zlib.h>
#endif
