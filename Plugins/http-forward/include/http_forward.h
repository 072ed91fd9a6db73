/* http-forward: an Acuhook plugin in C that POSTs each event to a URL (libcurl, OpenSSL). */
#include "acuhook_plugin.h"
