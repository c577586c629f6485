/* Enumerations spelled as words: a table of n names indexed by value, looked up both ways, and
 * a string copied into a fixed buffer only when it fits. Used wherever a status, an event or a
 * kind is stored or sent as a word. */
#ifndef SAFEPATH_NAMES_H
#define SAFEPATH_NAMES_H

#include <stddef.h>

/* names[i], or NULL when i is out of range. */
const char *sp_name_of(const char *const *names, int n, int i);
/* The index of s among the n names (NULL entries never match), or -1; -1 for a NULL s. */
int sp_name_index(const char *const *names, int n, const char *s);
/* Copy s with its NUL into dst of cap bytes: 0, or -1 (dst untouched) when s is NULL or too
 * long. */
int sp_text_copy(char *dst, size_t cap, const char *s);

#endif
