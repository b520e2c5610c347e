/* rest_parse.c: being written. */
#include "config.h"
