#ifndef PAGODA_STRING_H
#define PAGODA_STRING_H
#include "types.h"
/* Freestanding C string functions (kernel/lib/string.c). */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/* Parses a decimal or 0x-prefixed number; *end points past it. */
uint64_t strtoull(const char *s, const char **end, int base);
#endif
