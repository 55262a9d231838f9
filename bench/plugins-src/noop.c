/* The no-op native plugin of the dispatch benchmark (SPEC §15): reads its request to EOF and
 * answers ok. Compiled at bench time with `cc -O2`; nothing else, so the cost measured is the
 * caller's (spawn, pipes, bookkeeping), not the plugin's. */
#include <unistd.h>

int main(void) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) return 1;
  }
  static const char ok[] = "{\"status\":\"ok\"}\n";
  return write(1, ok, sizeof ok - 1) == (ssize_t)(sizeof ok - 1) ? 0 : 1;
}
