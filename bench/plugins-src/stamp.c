/* The latency benchmark's plugin: takes CLOCK_REALTIME (µs) first thing in main, then reads its
 * request to EOF and appends "<job_id> <µs>\n" to the file named by config.stamp_file. The
 * request is found by plain string search (the benchmark writes both keys itself, without
 * escapes), so no JSON library is needed. Answers ok. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CAP (1 << 20)

/* Copies the string value of "key":"..." into out (at most size-1 bytes); 0 if not found. */
static int find(const char *text, const char *key, char *out, size_t size) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char *at = strstr(text, pattern);
  if (at == NULL) return 0;
  at += strlen(pattern);
  const char *end = strchr(at, '"');
  if (end == NULL || (size_t)(end - at) >= size) return 0;
  memcpy(out, at, (size_t)(end - at));
  out[end - at] = '\0';
  return 1;
}

int main(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long us = (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;

  char *buf = malloc(CAP + 1);
  if (buf == NULL) return 1;
  size_t len = 0;
  for (;;) {
    ssize_t n = read(0, buf + len, CAP - len);
    if (n == 0) break;
    if (n < 0) return 1;
    len += (size_t)n;
    if (len == CAP) break;
  }
  buf[len] = '\0';

  char file[4096], job[128];
  if (!find(buf, "stamp_file", file, sizeof file) || !find(buf, "job_id", job, sizeof job)) {
    fputs("stamp: the request has no config.stamp_file or job_id\n", stderr);
    return 2;
  }
  char line[256];
  int n = snprintf(line, sizeof line, "%s %lld\n", job, us);
  int fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0 || write(fd, line, (size_t)n) != n) {
    fputs("stamp: cannot append to the stamp file\n", stderr);
    return 3;
  }
  close(fd);
  static const char ok[] = "{\"status\":\"ok\"}\n";
  return write(1, ok, sizeof ok - 1) == (ssize_t)(sizeof ok - 1) ? 0 : 1;
}
